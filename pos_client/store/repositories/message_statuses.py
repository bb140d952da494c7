"""Where each WhatsApp message to a customer stands, as the server last said (the server-made
``message_status`` record): stored by merge like every record, read per customer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from pos_client.store.repositories import lww
from pos_client.store.repositories.lww import Edit
from pos_client.store.schema import message_statuses
from shared.sync.merge import record_fields
from shared.sync.message_status import MessageStatusPayload

_FIELDS = record_fields(MessageStatusPayload)


def upsert_many(conn: Connection, edits: Sequence[Edit]) -> None:
    """The server's own records, never deleted: ``deleted`` has no column here."""
    lww.upsert_many(conn, message_statuses, [
        e.row(_FIELDS, {"customer_id": str(m.customer_id), "kind": m.kind, "status": m.status,
                        "reason": m.reason, "requested_at": m.requested_at.isoformat(),
                        "changed_at": m.changed_at.isoformat()})
        for e in edits for m in [e.payload]
    ], _FIELDS)


@dataclass(frozen=True, slots=True)
class MessageStatus:
    id: uuid.UUID
    kind: str
    status: str
    reason: str | None
    requested_at: datetime
    changed_at: datetime


def newest_for(conn: Connection, customer_id: uuid.UUID) -> MessageStatus | None:
    """The state of the customer's newest message the server told of; None before any."""
    row = conn.execute(
        select(message_statuses).where(message_statuses.c.customer_id == str(customer_id))
        .order_by(message_statuses.c.requested_at.desc(), message_statuses.c.id.desc()).limit(1)
    ).first()
    return _status(row) if row is not None else None


def of_message(conn: Connection, message_id: uuid.UUID) -> MessageStatus | None:
    row = conn.execute(select(message_statuses)
                       .where(message_statuses.c.id == str(message_id))).first()
    return _status(row) if row is not None else None


def _status(row: Row[Any]) -> MessageStatus:
    return MessageStatus(uuid.UUID(row.id), row.kind, row.status, row.reason,
                         datetime.fromisoformat(row.requested_at),
                         datetime.fromisoformat(row.changed_at))
