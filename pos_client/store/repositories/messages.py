"""WhatsApp message requests (facts): stored once, listed per customer with where they stand."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.sqlite import insert

from pos_client.store.schema import message_requests, outbox
from shared.sync.payloads import MessageRequestPayload

Origin = uuid.UUID | None
# en_cola: still in this till's outbox; en_servidor: the server has it (it sends it);
# rechazada: the server refused the change (kept in the outbox's "requiere atención" list).
RequestState = Literal["en_cola", "en_servidor", "rechazada"]


def insert_requests(conn: Connection, batch: Sequence[tuple[MessageRequestPayload, Origin]]) -> None:
    """OR IGNORE: a request applied twice (pushed, then pulled back) is stored once."""
    conn.execute(insert(message_requests).prefix_with("OR IGNORE"), [
        {"id": str(m.id), "customer_id": str(m.customer_id), "to_phone": m.to, "kind": m.kind,
         "text": m.text, "requested_at": m.requested_at.isoformat(),
         "cashier_id": str(m.cashier_id) if m.cashier_id else None,
         "device_id": str(origin) if origin else None}
        for m, origin in batch
    ])


@dataclass(frozen=True, slots=True)
class MessageRequest:
    id: uuid.UUID
    customer_id: uuid.UUID
    to: str
    kind: str
    text: str
    requested_at: datetime
    state: RequestState


def for_customer(conn: Connection, customer_id: uuid.UUID) -> list[MessageRequest]:
    """The customer's requests, newest first. The state comes from this till's outbox: a
    request made on another till arrived by pull, so the server already has it."""
    queued = (
        select(outbox.c.status)
        .where(outbox.c.entity == "message_request",
               func.json_extract(outbox.c.body, "$.payload.id") == message_requests.c.id)
        .order_by(outbox.c.device_seq.desc()).limit(1).scalar_subquery()
    )
    rows = conn.execute(
        select(message_requests, queued.label("outbox_status"))
        .where(message_requests.c.customer_id == str(customer_id))
        .order_by(message_requests.c.requested_at.desc())
    )
    return [
        MessageRequest(uuid.UUID(r.id), uuid.UUID(r.customer_id), r.to_phone, r.kind, r.text,
                       datetime.fromisoformat(r.requested_at), _state(r.outbox_status))
        for r in rows
    ]


def _state(outbox_status: str | None) -> RequestState:
    if outbox_status == "pending":
        return "en_cola"
    if outbox_status == "rejected":
        return "rechazada"
    return "en_servidor"  # accepted, duplicate, or made on another till and pulled
