"""WhatsApp messages to customers (for now the estado de cuenta), asked for at the till.

The till never talks to WhatsApp: it records a ``message_request`` fact, which waits in the
outbox like any sale and reaches the server at the next sync. The server sends it (once) and
keeps its delivery status. So asking works offline, and a till without a connection simply
shows the request "en cola".
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from pos_client.services import local
from pos_client.services.till import Till
from pos_client.store.database import Tx
from pos_client.store.repositories import customers as customers_repo
from pos_client.store.repositories import message_statuses
from pos_client.store.repositories import messages as messages_repo
from pos_client.store.repositories.messages import MessageRequest as MessageRequest
from pos_client.store.repositories.shop import shop_zone
from shared.clock import shown_date_time
from shared.errors import DomainError, UnknownCustomer
from shared.fiado import statement_text as statement_text  # the till's screens ask here
from shared.ids import new_uuid7
from shared.sync.message_status import kind_text, state_text
from shared.sync.payloads import MessageRequestPayload

MAX_TEXT = 4096  # WhatsApp's limit for a text message
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class MessageRefused(DomainError):
    code = "message_refused"


class NoPhone(DomainError):
    code = "customer_without_phone"


def can_send(till: Till) -> bool:
    """Whether a request from this till can ever leave it: only a till paired with the shop's
    server syncs (a standalone shop copies the text by hand instead)."""
    return till.device.paired


def request_statement(
    till: Till, customer_id: uuid.UUID, text: str, cashier_id: uuid.UUID | None = None,
) -> MessageRequest:
    """Queue the estado de cuenta ``text`` for the customer's WhatsApp; returns the request.

    The number is the customer's as saved now. Asking again while the same text is still in
    the outbox (a double tap, an impatient second try offline) returns the queued request
    instead of queueing a second message."""
    body = _clean(text)
    with till.db.write() as tx:
        phone = _phone_of(tx, customer_id)
        for queued in messages_repo.for_customer(tx, customer_id):
            if queued.state == "en_cola" and queued.kind == "statement" and queued.text == body:
                return queued
        payload = MessageRequestPayload(
            id=new_uuid7(), customer_id=customer_id, to=phone, kind="statement", text=body,
            requested_at=till.now(), cashier_id=cashier_id)
        local.save(tx, till, "message_request", payload)
    return MessageRequest(payload.id, customer_id, phone, payload.kind, body, payload.requested_at,
                          "en_cola")


def pending_requests(till: Till, customer_id: uuid.UUID) -> list[MessageRequest]:
    """The customer's requests still waiting in this till's outbox ("en cola"), newest first."""
    return [r for r in requests(till, customer_id) if r.state == "en_cola"]


def requests(till: Till, customer_id: uuid.UUID) -> list[MessageRequest]:
    """Every request for the customer known to this till, newest first, with its state."""
    with till.db.read() as tx:
        return messages_repo.for_customer(tx, customer_id)


@dataclass(frozen=True, slots=True)
class LastMessage:
    """The customer's newest WhatsApp message and where it stands, said for the owner."""

    text: str  # "Último mensaje (Estado de cuenta, 06/12/2026 14:32): Entregado"
    status: str  # message_status's state, or en_cola / rechazada while only this till has it
    ok: bool  # False: it will not go out as things stand (failed, not_configured, refused)


_WAITING = {"en_cola": "En cola en esta caja: sale con la próxima sincronización",
            "rechazada": "El servidor no aceptó la solicitud (ver cambios que requieren atención)",
            "en_servidor": "En cola"}


def last_message(till: Till, customer_id: uuid.UUID) -> LastMessage | None:
    """The newest message to the customer: a request this till knows of, or one the server
    told of (a statement from another till, a reminder, an order update), with the server's
    last word on it (message_status) when there is one; None before any message."""
    with till.db.read() as tx:
        requests = messages_repo.for_customer(tx, customer_id)
        told = message_statuses.newest_for(tx, customer_id)
        asked = requests[0] if requests else None
        if asked is not None and (told is None or asked.requested_at > told.requested_at):
            told = message_statuses.of_message(tx, asked.id)  # None: not heard of yet
        else:
            asked = None
        zone = shop_zone(tx)
    if told is not None:
        kind, status, when = told.kind, told.status, told.requested_at
        said, ok = state_text(status, told.reason), status not in ("failed", "not_configured")
    elif asked is not None:
        kind, status, when = asked.kind, asked.state, asked.requested_at
        said, ok = _WAITING[status], status != "rechazada"
    else:
        return None
    return LastMessage(f"Último mensaje ({kind_text(kind)}, {shown_date_time(when, zone)}): {said}",
                       status, ok)


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


def _phone_of(tx: Tx, customer_id: uuid.UUID) -> str:
    customer = customers_repo.find(tx, customer_id)
    if customer is None:
        raise UnknownCustomer("Ese cliente ya no existe.")
    if not customer.phone:
        raise NoPhone(f"{customer.name} no tiene teléfono de WhatsApp. Agrégalo en su ficha para "
                      "enviarle el estado de cuenta.")
    return customer.phone
