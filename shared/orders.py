"""Orders a customer asks for (over WhatsApp, the assistant or an owner's AI app): their
statuses and which moves between them make sense, how they are fulfilled, and their total.

An order is a request, not a sale: it moves no stock and no money. Where it stands is the
``order_status`` record keyed by the order's id (last writer wins, so two tills accepting the
same order offline settle to one status); "cobrar pedido" at the till makes a normal sale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, get_args

from shared.errors import DomainError
from shared.sale import line_total

OrderStatus = Literal["recibido", "aceptado", "preparando", "listo", "entregado", "rechazado",
                      "cancelado"]
Fulfilment = Literal["recoger", "domicilio"]
OrderSource = Literal["whatsapp", "asistente", "mcp", "caja"]  # where the customer asked
ORDER_STATUSES: tuple[OrderStatus, ...] = get_args(OrderStatus)
FINAL: frozenset[OrderStatus] = frozenset({"entregado", "rechazado", "cancelado"})
OPEN: frozenset[OrderStatus] = frozenset(ORDER_STATUSES) - FINAL

STATUS_LABELS: Mapping[OrderStatus, str] = {
    "recibido": "Recibido", "aceptado": "Aceptado", "preparando": "En preparación",
    "listo": "Listo", "entregado": "Entregado", "rechazado": "Rechazado",
    "cancelado": "Cancelado",
}
FULFILMENT_LABELS: Mapping[Fulfilment, str] = {"recoger": "Pasa a recoger",
                                               "domicilio": "Entrega a domicilio"}

# Forward only: an order is not un-delivered. Rejecting (the shop) and cancelling (the
# customer, or the shop on their behalf) end it from any open status.
_NEXT: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    "recibido": frozenset({"aceptado", "preparando", "listo", "entregado", "rechazado",
                           "cancelado"}),
    "aceptado": frozenset({"preparando", "listo", "entregado", "rechazado", "cancelado"}),
    "preparando": frozenset({"listo", "entregado", "rechazado", "cancelado"}),
    "listo": frozenset({"entregado", "rechazado", "cancelado"}),
    "entregado": frozenset(),
    "rechazado": frozenset(),
    "cancelado": frozenset(),
}


class OrderMoveRefused(DomainError):
    code = "order_status_refused"


def check_move(current: OrderStatus, wanted: OrderStatus, note: str | None = None) -> None:
    """Refuse a status change that goes backwards or leaves a finished order; a rejection
    needs its reason (the customer is told why)."""
    if wanted == current:
        return
    if wanted not in _NEXT[current]:
        raise OrderMoveRefused(f"El pedido está «{STATUS_LABELS[current]}»: ya no puede pasar a "
                               f"«{STATUS_LABELS[wanted]}».")
    if wanted == "rechazado" and not (note and note.strip()):
        raise OrderMoveRefused("Para rechazar un pedido escribe el motivo: se le dice al cliente.",
                               code="reason_required")


def order_total(lines: Iterable[tuple[int, int]]) -> int:
    """The total of (unit price, quantity in thousandths) lines, each rounded as a ticket's."""
    return sum(line_total(price, qty) for price, qty in lines)
