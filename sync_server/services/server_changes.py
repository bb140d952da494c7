"""Changes the server makes itself (orders, a price set from the owner's AI app, a customer
registered by the assistant): wrapped as the server's own (device_seq 0, the server's clock,
nil writer) and appended by the one function for them (``sync.apply.append_server_changes``),
so every till pulls them and the same checks refuse what they refuse."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.sync.envelopes import Change, make_change
from shared.sync.payloads import Wire
from sync_server.repositories import Connection
from sync_server.sync import message_statuses
from sync_server.sync.apply import append_server_changes
from sync_server.sync.clock import server_clock


class ChangeRefused(DomainError):
    """The server's own change failed a check a till's would fail too (e.g. a statement to a
    customer whose phone changed): the code and message are the check's."""

    code = "change_refused"


def server_change(entity: str, payload: Wire, now: datetime, op: str | None = None,
                  fields: Sequence[str] | None = None) -> Change:
    """``fields``: for a record edit, the fields it sets (the rest merge from the tills' edits,
    shared/sync/merge.py); None sets every field."""
    return make_change(entity, payload, change_id=new_uuid7(), device_seq=0,
                       hlc=server_clock.now(), created_at=now, op=op, fields=fields)


async def apply_server_changes(
    conn: Connection, tenant_id: uuid.UUID, changes: Sequence[Change]
) -> None:
    """Apply in the caller's tenant transaction; a refusal raises (and the caller's
    transaction rolls back, so nothing of the batch stays)."""
    applied = await append_server_changes(conn, tenant_id, changes)
    for result in applied.results:
        if result.status == "rejected":
            raise ChangeRefused(result.message or "El servidor no aceptó el cambio.",
                                code=result.code or ChangeRefused.code)


async def report_message_states(
    conn: Connection, tenant_id: uuid.UUID, request_ids: Sequence[uuid.UUID]
) -> None:
    """Tell the tills where these messages stand now (the message_status records), in the
    caller's tenant transaction that changed them; a state they were already told adds nothing."""
    if not request_ids:
        return
    changes = await message_statuses.changed(conn, tenant_id, request_ids)
    if changes:
        await append_server_changes(conn, tenant_id, changes)
