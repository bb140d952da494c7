"""The ``message_status`` records the server makes when a message to a customer changes state
(queued, sent, delivered, read, failed with its reason, not_configured), so the tills show it.

Called in the transaction that changed the message (a push that queued a statement, the
sender, Meta's status webhook). The state sent is the message's as stored, which only moves
forward (outbound.apply_status: a late "delivered" never undoes "read"), and only when it differs
from what the tills were last told; each record is stamped after the previous one, so a till
keeps the newest whatever order it pulls them in.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shared.clock import utc_now
from shared.ids import new_uuid7
from shared.sync.envelopes import MessageStatusChange
from shared.sync.message_status import MessageState, MessageStatusPayload
from sync_server.db import Connection
from sync_server.integrations.graph_errors import owner_reason
from sync_server.repositories import message_statuses
from sync_server.repositories.message_statuses import Reportable
from sync_server.sync.clock import server_clock

# The sender's states as the tills see them. no_consent and capped are refusals with their
# own Spanish reason: to the owner they are messages that will not go out.
_STATES: dict[str, MessageState] = {
    "pending": "queued", "sending": "queued", "sent": "sent", "delivered": "delivered",
    "read": "read", "failed": "failed", "no_consent": "failed", "capped": "failed",
    "not_configured": "not_configured",
}


def shown(message: Reportable) -> tuple[MessageState, str | None]:
    """The state and reason the tills get for a message as stored."""
    state = _STATES.get(message.status, "queued")
    if state == "failed":
        return state, owner_reason(message.error_code, message.last_error)[:500]
    return state, None  # not_configured says it all (shared.sync.message_status)


async def changed(
    conn: Connection, tenant_id: uuid.UUID, request_ids: Sequence[uuid.UUID]
) -> list[MessageStatusChange]:
    """A record for each of these messages whose state the tills have not been told yet
    (to append with sync.apply.append_server_changes)."""
    out: list[MessageStatusChange] = []
    now = utc_now()
    for message in await message_statuses.reportable(conn, tenant_id, request_ids):
        state, reason = shown(message)
        if (state, reason) == (message.reported_status, message.reported_reason):
            continue
        out.append(MessageStatusChange(
            change_id=new_uuid7(), device_seq=0,
            hlc=max(server_clock.now(), (message.reported_hlc or 0) + 1), created_at=now,
            entity="message_status",
            payload=MessageStatusPayload(
                id=message.request_id, customer_id=message.customer_id, kind=message.kind,
                status=state, reason=reason, requested_at=message.requested_at,
                changed_at=now)))
    return out
