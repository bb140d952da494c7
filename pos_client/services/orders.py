"""Customers' orders at the till (WhatsApp, the assistant): the open ones, moving each along
(accept, prepare, ready, delivered, or reject with a reason), and "cobrar pedido", which loads an
order into the ticket so the sale and its stock go through the normal sale path.

A status is an ``order_status`` record (last writer wins), so two tills that accepted the same
order offline settle to one status, and the server messages the customer once per status.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from pos_client.services import local
from pos_client.services.till import Till
from pos_client.store.repositories import catalog
from pos_client.store.repositories import orders as orders_repo
from shared.errors import DomainError
from shared.orders import STATUS_LABELS, OrderStatus, check_move
from shared.sync.payloads import OrderPayload, OrderStatusPayload
from shared.tax import IvaRate
from shared.ticket import Ticket, TicketLine


class OrderNotFound(DomainError):
    code = "order_not_found"


@dataclass(frozen=True)
class OrderView:
    order: OrderPayload
    status: OrderStatus
    note: str | None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def open_orders(till: Till) -> list[OrderView]:
    with till.db.read() as conn:
        return [_view(o) for o in orders_repo.listed(conn, open_only=True)]


def recent_orders(till: Till, limit: int = 50) -> list[OrderView]:
    with till.db.read() as conn:
        return [_view(o) for o in orders_repo.listed(conn, open_only=False, limit=limit)]


def move(till: Till, order_id: uuid.UUID, status: OrderStatus, note: str | None = None) -> OrderView:
    """Where an order stands now (forward only; a rejection needs its reason for the customer)."""
    note = (note or "").strip() or None
    with till.db.write() as conn:
        stored = orders_repo.get(conn, order_id)
        if stored is None:
            raise OrderNotFound("Ese pedido no está en esta caja.")
        check_move(cast(OrderStatus, stored.status), status, note)
        if status != stored.status or note != stored.note:
            local.save(conn, till, "order_status", OrderStatusPayload(
                id=order_id, status=status, note=note, changed_at=till.now()), op="upsert")
        moved = orders_repo.get(conn, order_id)
    assert moved is not None
    return _view(moved)


def ticket_for(till: Till, order_id: uuid.UUID) -> Ticket:
    """The order as a ticket at the prices it was ordered at, its taxes from the catalog; the
    cashier charges it like any sale (fiado needs the customer's credit as usual)."""
    with till.db.read() as conn:
        stored = orders_repo.get(conn, order_id)
        if stored is None:
            raise OrderNotFound("Ese pedido no está en esta caja.")
        products = {ln.product_id: catalog.by_id(conn, ln.product_id)
                    for ln in stored.payload.lines if ln.product_id}
    ticket = Ticket()
    for ln in stored.payload.lines:
        product = products.get(ln.product_id) if ln.product_id else None
        ticket.add(TicketLine(
            ln.product_id, ln.name, ln.unit_price, ln.qty_milli,
            product.iva if product else IvaRate.GENERAL, product.ieps_bp if product else 0,
            product.sold_by_weight if product else False))
    return ticket


def counts(views: Sequence[OrderView]) -> int:
    """How many wait for the cashier (the badge): received and not yet accepted."""
    return sum(1 for v in views if v.status == "recibido")


def _view(stored: orders_repo.StoredOrder) -> OrderView:
    return OrderView(stored.payload, cast(OrderStatus, stored.status), stored.note)
