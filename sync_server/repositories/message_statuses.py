"""What the tills were told of each customer's WhatsApp message (the ``message_status``
record): read beside the message's own state, and stored when the record is applied."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.sync.envelopes import MessageStatusChange
from sync_server.repositories import Connection


@dataclass(frozen=True, slots=True)
class Reportable:
    """A message to a customer: its state as the sender and Meta's webhooks left it, and what
    the tills were last told (None: nothing yet)."""

    request_id: uuid.UUID
    customer_id: uuid.UUID
    kind: str
    status: str
    error_code: int | None
    last_error: str | None
    requested_at: datetime
    reported_status: str | None
    reported_reason: str | None
    reported_hlc: int | None


async def reportable(
    conn: Connection, tenant_id: uuid.UUID, request_ids: Sequence[uuid.UUID]
) -> list[Reportable]:
    """Those of ``request_ids`` that are messages to one of the shop's customers (a statement, a
    reminder, an order update, a receipt); replies to what someone wrote are left out.

    Locked for the caller's transaction, which then records what it tells the tills. The
    sender and the status webhook have just updated (so locked) theirs; a push that replays a
    request the sender holds skips it (SKIP LOCKED) instead of waiting on it while holding the
    shop's feed lock the sender needs next: the sender tells that state itself."""
    if not request_ids:
        return []
    rows = await conn.fetch(
        """SELECT request_id, customer_id, kind, status, error_code, last_error, requested_at,
                  reported_status, reported_reason, reported_hlc
           FROM outbound_messages
           WHERE tenant_id = $1 AND request_id = ANY($2::uuid[])
             AND customer_id IS NOT NULL AND kind <> 'reply'
           ORDER BY requested_at, request_id
           FOR UPDATE SKIP LOCKED""", tenant_id, list(set(request_ids)))
    return [Reportable(**dict(r)) for r in rows]


async def store_reported(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[MessageStatusChange],
) -> None:
    """Remember what the tills were told; an older stamp never replaces a newer one. Only the
    server makes these (a till's is refused ``server_only`` before this)."""
    for c in changes:
        await conn.execute(
            """UPDATE outbound_messages
               SET reported_status = $3, reported_reason = $4, reported_hlc = $5
               WHERE tenant_id = $1 AND request_id = $2
                 AND (reported_hlc IS NULL OR reported_hlc < $5)""",
            tenant_id, c.payload.id, c.payload.status, c.payload.reason, c.hlc)
