"""Where a WhatsApp message to a customer stands: the server-made ``message_status`` record
(protocol 4, optional) and how a till says it in Spanish."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import StringConstraints

from shared.sync.bounds import Timestamp
from shared.sync.payloads import ShortText, Wire

# queued: the server has it and will try; sent: WhatsApp accepted it; delivered / read: Meta's
# status webhook said so (never backwards); failed: it will not go out (``reason`` says why);
# not_configured: this server has no WhatsApp set up, so nothing is sent until it is.
MessageState = Literal["queued", "sent", "delivered", "read", "failed", "not_configured"]
# The server's kinds of message (statement, order_update, reminder, payment_receipt, …): plain
# text rather than a fixed list, so a kind added later never makes a till refuse a page.
MessageKind = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]


class MessageStatusPayload(Wire):
    """One message's state as the server last knew it; ``id`` is the message's (a till's
    ``message_request`` id for a statement). Made by the server only, on every change of
    state; a later state never goes back to an earlier one (a late "delivered" after "read")."""

    id: uuid.UUID
    customer_id: uuid.UUID
    kind: MessageKind
    status: MessageState
    reason: ShortText | None = None  # Spanish, for people: why it failed or waits
    requested_at: Timestamp
    changed_at: Timestamp


STATE_LABELS: dict[str, str] = {
    "queued": "En cola",
    "sent": "Enviado",
    "delivered": "Entregado",
    "read": "Leído",
    "failed": "No se pudo enviar",
    "not_configured": "Este servidor no tiene WhatsApp configurado",
}
KIND_LABELS: dict[str, str] = {
    "statement": "Estado de cuenta",
    "order_update": "Aviso de pedido",
    "reminder": "Recordatorio de saldo",
    "payment_receipt": "Recibo de pago",
}


def state_text(status: str, reason: str | None = None) -> str:
    """``Entregado``, ``No se pudo enviar: <motivo>``: the state as the owner reads it."""
    label = STATE_LABELS.get(status, status)
    if status == "failed" and reason:
        return f"{label}: {reason}"
    return label


def kind_text(kind: str) -> str:
    return KIND_LABELS.get(kind, "Mensaje")
