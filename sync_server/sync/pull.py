"""Serve the change feed a page at a time, from a cursor that cannot skip a late commit."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from shared.errors import DomainError
from shared.ids import SERVER_WRITER
from sync_server import metrics
from sync_server.db import Connection
from sync_server.repositories import feed, tenants
from sync_server.sync import compat
from sync_server.sync.copies import current_records


class CursorAhead(DomainError):
    code = "cursor_ahead"


async def pull_page_json(
    conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID, cursor: int, limit: int,
    include_own: bool = False,
) -> bytes:
    """A ``PullPage`` as JSON bytes, built around the stored change bodies without re-parsing."""
    page = await _page(conn, tenant_id, device_id, cursor, limit, include_own)
    items = ",".join(
        f'{{"seq":{r["seq"]},"origin_device_id":{_json_uuid(r["origin_device_id"])},'
        f'"change":{r["body"]}}}'
        for r in page.rows
    )
    return page.json(items)


@dataclass(frozen=True)
class V3Page:
    """A page for a version-3 till: its JSON, what was left out of it (entity → how many) and
    the first feed number left out (None: nothing)."""

    body: bytes
    skipped: Counter[str]
    first_skipped: int | None

    def skipped_header(self) -> str:
        return compat.skipped_header(self.skipped)


async def pull_page_v3(
    conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID, cursor: int, limit: int,
    include_own: bool = False,
) -> V3Page:
    """The same page translated for a version-3 till (sync/compat.py): what it cannot read is
    left out and counted, a record edit of some fields is sent as the server's whole copy."""
    page = await _page(conn, tenant_id, device_id, cursor, limit, include_own)
    changes = [(r["seq"], r["origin_device_id"], json.loads(r["body"])) for r in page.rows]
    partial = {(c["entity"], uuid.UUID(c["payload"]["id"])) for _, _, c in changes
               if compat.needs_whole_record(c)}
    copies = await current_records(conn, tenant_id, partial) if partial else {}
    items: list[tuple[int, str | None, dict[str, Any]]] = []
    skipped: Counter[str] = Counter()
    first_skipped = None
    for seq, origin, change in changes:
        copy = copies.get((change["entity"], uuid.UUID(change["payload"]["id"]))) \
            if compat.needs_whole_record(change) else None
        if copy is not None:
            writer = max(copy.stamps.values())[1]
            change = copy.record.model_dump(mode="json")
            origin = None if writer == SERVER_WRITER else writer
        translated = compat.for_v3(change)
        if translated is None:
            skipped[change["entity"]] += 1
            first_skipped = first_skipped or seq
            continue
        items.append((seq, str(origin) if origin else None, translated))
    return V3Page(page.json(compat.items_json(items)), skipped, first_skipped)


@dataclass(frozen=True)
class _Rows:
    rows: list[Any]
    cursor: int
    has_more: bool
    head: int

    def json(self, items: str) -> bytes:
        more = "true" if self.has_more else "false"
        return (f'{{"items":[{items}],"cursor":{self.cursor},"has_more":{more},'
                f'"head":{self.head}}}').encode()


async def _page(
    conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID, cursor: int, limit: int,
    include_own: bool,
) -> _Rows:
    """The feed rows of a page.

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
    metrics.count_pull(len(rows))
    return _Rows(rows, rows[-1]["seq"] if has_more else head, has_more, head)


def rewind_json(to: int, head: int) -> bytes:
    """A page with nothing but a cursor behind the one asked with: pull again from there."""
    return _Rows([], to, True, head).json("")


def _json_uuid(value: uuid.UUID | None) -> str:
    return json.dumps(str(value)) if value is not None else "null"
