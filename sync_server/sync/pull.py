"""Serve the change feed a page at a time, from a cursor that cannot skip a late commit."""

from __future__ import annotations

import json
import uuid

import asyncpg

from shared.errors import DomainError
from sync_server.repositories import feed, tenants


class CursorAhead(DomainError):
    code = "cursor_ahead"


async def pull_page_json(
    conn: asyncpg.Connection, tenant_id: uuid.UUID, device_id: uuid.UUID, cursor: int, limit: int
) -> bytes:
    """A ``PullPage`` as JSON bytes, built around the stored change bodies without re-parsing.

    The head is read first. Writers hand out numbers while holding the tenant row lock and
    commit before releasing it, so every change numbered up to that head is already visible
    to the page query below. Reading the head after the page could instead pass a change
    that committed in between.
    """
    head = await tenants.feed_head(conn, tenant_id)
    if cursor > head:
        raise CursorAhead(
            "El servidor tiene menos cambios de los que este dispositivo ya recibió. "
            "Avisa al soporte antes de seguir."
        )
    rows = await feed.page(conn, tenant_id, cursor, head, device_id, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = rows[-1]["seq"] if has_more else head
    items = ",".join(
        '{"seq":%d,"origin_device_id":%s,"change":%s}'
        % (r["seq"], json.dumps(str(r["origin_device_id"])) if r["origin_device_id"] else "null",
           r["body"])
        for r in rows
    )
    return ('{"items":[%s],"cursor":%d,"has_more":%s}'
            % (items, next_cursor, "true" if has_more else "false")).encode()
