"""The server's copy of a record whose edit it refused, sent back so the till puts it in place
of its own (docs/sync-protocol.md, "Push")."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shared.ids import SERVER_WRITER
from shared.sync.envelopes import ENTITIES, Change, make_change
from shared.sync.merge import DELETED, edit_fields, fold, record_fields
from shared.sync.protocol import ChangeResult, ServerCopy
from sync_server.db import Connection
from sync_server.repositories import feed


async def with_server_copies(
    conn: Connection, tenant_id: uuid.UUID, changes: Sequence[Change],
    results: Sequence[ChangeResult],
) -> list[ChangeResult]:
    """``results`` with the server's copy on each rejected record change whose record the
    server has. Folded from the record's changes in the feed by the merge every store applies,
    so values and stamps are the ones the server holds; read after the batch is written."""
    refused = {r.change_id for r in results if r.status == "rejected"}
    wanted: set[tuple[str, uuid.UUID]] = {(c.entity, c.payload.id) for c in changes
              if c.kind == "record" and c.change_id in refused}
    if not wanted:
        return list(results)
    copies = await current_records(conn, tenant_id, wanted)
    by_change = {c.change_id: copies.get((c.entity, c.payload.id)) for c in changes
                 if c.change_id in refused}
    return [r.model_copy(update={"current": by_change[r.change_id]})
            if by_change.get(r.change_id) is not None else r for r in results]


async def current_records(
    conn: Connection, tenant_id: uuid.UUID, keys: set[tuple[str, uuid.UUID]],
) -> dict[tuple[str, uuid.UUID], ServerCopy]:
    """The server's copy of each record (entity, id) it has, folded from its feed."""
    history: dict[tuple[str, uuid.UUID], list[Any]] = defaultdict(list)
    for row in await feed.record_history(conn, tenant_id, sorted(keys, key=str)):
        history[(row["entity"], uuid.UUID(row["record_id"]))].append(row)
    copies = {key: _copy(key[0], rows) for key, rows in history.items()}
    return {key: copy for key, copy in copies.items() if copy is not None}


def _copy(entity: str, rows: Sequence[Any]) -> ServerCopy | None:
    spec = ENTITIES[entity]
    fields = record_fields(spec.payload)
    bodies = [json.loads(r["body"]) for r in rows]
    folded = fold(fields, (
        ({**b["payload"], DELETED: b["op"] == "delete"},
         edit_fields(fields, b["op"], b.get("fields")),
         (int(b["hlc"]), str(r["origin_device_id"] or SERVER_WRITER)))
        for r, b in zip(rows, bodies, strict=True)))
    if folded is None:
        return None
    values, stamps = folded
    newest = bodies[-1]
    payload = spec.payload.model_validate_json(
        json.dumps({"id": bodies[-1]["payload"]["id"],
                    **{k: v for k, v in values.items() if k != DELETED}}))
    record = make_change(entity, payload, change_id=uuid.UUID(newest["change_id"]),
                         device_seq=0, hlc=stamps.newest[0],
                         created_at=datetime.fromisoformat(newest["created_at"]),
                         op="delete" if values[DELETED] else "upsert")
    return ServerCopy(record=record, stamps={
        f: (h, uuid.UUID(w)) for f in fields for h, w in [stamps.of(f)]})
