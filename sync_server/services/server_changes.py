"""Changes the server makes itself (orders, a price set from the owner's AI app, a customer
registered by the assistant): wrapped as the server's own (device_seq 0, the server's clock,
nil writer) and applied through the same applier and change feed as a till's push, so every
till pulls them and the same checks refuse what they refuse."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.sync.envelopes import Change, make_change
from shared.sync.payloads import Wire
from sync_server.repositories import Connection
from sync_server.sync.apply import apply_changes
from sync_server.sync.clock import server_clock


class ChangeRefused(DomainError):
    """The server's own change failed a check a till's would fail too (e.g. a statement to a
    customer whose phone changed): the code and message are the check's."""

    code = "change_refused"


def server_change(entity: str, payload: Wire, now: datetime, op: str | None = None) -> Change:
    return make_change(entity, payload, change_id=new_uuid7(), device_seq=0,
                       hlc=server_clock.now(), created_at=now, op=op)


async def apply_server_changes(
    conn: Connection, tenant_id: uuid.UUID, changes: Sequence[Change]
) -> None:
    """Apply in the caller's tenant transaction; a refusal raises (and the caller's
    transaction rolls back, so nothing of the batch stays)."""
    applied = await apply_changes(conn, tenant_id, None, changes)
    for result in applied.results:
        if result.status == "rejected":
            raise ChangeRefused(result.message or "El servidor no aceptó el cambio.",
                                code=result.code or ChangeRefused.code)
