"""Serve the change feed a page at a time, from a cursor that cannot skip a late commit."""

from __future__ import annotations

import json
import uuid

from shared.errors import DomainError
from sync_server import metrics
from sync_server.db import Connection
from sync_server.repositories import feed, tenants


class CursorAhead(DomainError):
    code = "cursor_ahead"


async def pull_page_json(
    conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID, cursor: int, limit: int,
    include_own: bool = False,
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
    exclude = None if include_own else device_id
    rows = await feed.page(conn, tenant_id, cursor, head, exclude, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = rows[-1]["seq"] if has_more else head
    metrics.count_pull(len(rows))
    items = ",".join(
        f'{{"seq":{r["seq"]},"origin_device_id":{_json_uuid(r["origin_device_id"])},'
        f'"change":{r["body"]}}}'
        for r in rows
    )
    more = "true" if has_more else "false"
    return (f'{{"items":[{items}],"cursor":{next_cursor},"has_more":{more},'
            f'"head":{head}}}').encode()


def _json_uuid(value: uuid.UUID | None) -> str:
    return json.dumps(str(value)) if value is not None else "null"
