"""WhatsApp messages to customers (for now the estado de cuenta), asked for at the till.

The till never talks to WhatsApp: it records a ``message_request`` fact, which waits in the
outbox like any sale and reaches the server at the next sync. The server sends it (once) and
keeps its delivery status. So asking works offline, and a till without a connection simply
shows the request "en cola".
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import Connection, select

from pos_client.services import local
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import messages as messages_repo
from pos_client.store.repositories.messages import MessageRequest
from pos_client.store.schema import customers
from shared.clock import utc_now
from shared.errors import DomainError, UnknownCustomer
from shared.ids import new_uuid7
from shared.sync.payloads import MessageRequestPayload

MAX_TEXT = 4096  # WhatsApp's limit for a text message
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class MessageRefused(DomainError):
    code = "message_refused"


class NoPhone(DomainError):
    code = "customer_without_phone"


def request_statement(
    db: Database, device: Device, customer_id: uuid.UUID, text: str,
    cashier_id: uuid.UUID | None = None,
) -> MessageRequest:
    """Queue the estado de cuenta ``text`` for the customer's WhatsApp; returns the request.

    The number is the customer's as saved now. Asking again while the same text is still in
    the outbox (a double tap, an impatient second try offline) returns the queued request
    instead of queueing a second message."""
    body = _clean(text)
    with db.write() as conn:
        phone = _phone_of(conn, customer_id)
        for queued in messages_repo.for_customer(conn, customer_id):
            if queued.state == "en_cola" and queued.kind == "statement" and queued.text == body:
                return queued
        payload = MessageRequestPayload(
            id=new_uuid7(), customer_id=customer_id, to=phone, kind="statement", text=body,
            requested_at=utc_now(), cashier_id=cashier_id)
        local.save(conn, device, "message_request", payload)
    return MessageRequest(payload.id, customer_id, phone, payload.kind, body, payload.requested_at,
                          "en_cola")


def pending_requests(conn: Connection, customer_id: uuid.UUID) -> list[MessageRequest]:
    """The customer's requests still waiting in this till's outbox ("en cola"), newest first."""
    return [r for r in messages_repo.for_customer(conn, customer_id) if r.state == "en_cola"]


def requests(conn: Connection, customer_id: uuid.UUID) -> list[MessageRequest]:
    """Every request for the customer known to this till, newest first, with its state."""
    return messages_repo.for_customer(conn, customer_id)


def _clean(text: str) -> str:
    """The text as it will be sent: Windows line ends and tabs made plain, then checked here
    so the cashier reads a Spanish reason instead of a validation error."""
    body = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").strip()
    if not body:
        raise MessageRefused("El mensaje está vacío.", code="empty_message")
    if len(body) > MAX_TEXT:
        raise MessageRefused(f"El mensaje es demasiado largo: WhatsApp acepta hasta {MAX_TEXT} "
                             f"caracteres y tiene {len(body)}.", code="message_too_long")
    if _CONTROL.search(body):
        raise MessageRefused("El mensaje tiene caracteres de control que WhatsApp no acepta.",
                             code="invalid_message_text")
    return body


def _phone_of(conn: Connection, customer_id: uuid.UUID) -> str:
    row = conn.execute(select(customers.c.name, customers.c.phone)
                       .where(customers.c.id == str(customer_id), customers.c.deleted == 0)).first()
    if row is None:
        raise UnknownCustomer("Ese cliente ya no existe.")
    if not row.phone:
        raise NoPhone(f"{row.name} no tiene teléfono de WhatsApp. Agrégalo en su ficha para "
                      "enviarle el estado de cuenta.")
    phone: str = row.phone
    return phone
