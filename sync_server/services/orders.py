"""Orders placed with the server (WhatsApp, the assistant, the owner's AI app) and their
status changes: server-made changes the tills pull (see shared.orders for the rules)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from shared.errors import DomainError, InvalidQuantity, UnknownCustomer, UnknownProduct
from shared.ids import new_uuid7
from shared.orders import Fulfilment, OrderSource, OrderStatus, check_move
from shared.quantity import QTY_SCALE
from shared.sync.payloads import OrderLinePayload, OrderPayload, OrderStatusPayload
from shared.tax import IvaRate
from shared.ticket import TicketLine
from sync_server.repositories import Connection, fiado, orders, stock, tenants
from sync_server.repositories.orders import Order
from sync_server.services.server_changes import apply_server_changes, server_change


class OrderNotFound(DomainError):
    code = "order_not_found"


@dataclass(frozen=True, slots=True)
class Item:
    product_id: uuid.UUID
    qty_milli: int


@dataclass(frozen=True, slots=True)
class Customer:
    """Who orders: one of the shop's customers, or a name (and phone) not on file yet."""

    customer_id: uuid.UUID | None
    name: str | None = None
    phone: str | None = None


async def place(
    conn: Connection, tenant_id: uuid.UUID, customer: Customer, items: Sequence[Item],
    fulfilment: Fulfilment, address: str | None, notes: str | None, source: OrderSource,
    now: datetime,
) -> Order:
    """An order of ``items`` at today's prices (mayoreo included, as the ticket would price
    them), numbered in the shop's sequence, with its ``recibido`` status. Part of the caller's
    tenant transaction."""
    await tenants.lock_feed_head(conn, tenant_id)  # numbers are handed out one at a time
    name, phone = customer.name, customer.phone
    if customer.customer_id is not None:
        found = await fiado.customer(conn, tenant_id, customer.customer_id)
        if found is None:
            raise UnknownCustomer("La tienda no tiene ese cliente.")
        name, phone = found.name, found.phone or phone
    if not name:
        raise UnknownCustomer("¿A nombre de quién es el pedido?")
    products = await stock.by_ids(conn, tenant_id, [i.product_id for i in items])
    lines = []
    for n, it in enumerate(items, start=1):
        p = products.get(it.product_id)
        if p is None or not p.active:
            raise UnknownProduct("Uno de los productos ya no está en el catálogo de la tienda.")
        if not p.sold_by_weight and it.qty_milli % QTY_SCALE:
            raise InvalidQuantity(f"{p.name} se vende por pieza: pide piezas enteras.")
        priced = TicketLine(p.product_id, p.name, p.price, it.qty_milli, IvaRate(p.iva), p.ieps_bp,
                            p.sold_by_weight, p.wholesale_price, p.wholesale_min_milli)
        lines.append(OrderLinePayload(line_no=n, product_id=p.product_id, name=p.name,
                                      qty_milli=it.qty_milli, unit_price=priced.unit_price,
                                      total=priced.total))
    order_id = new_uuid7()
    payload = OrderPayload(
        id=order_id, number=await orders.next_number(conn, tenant_id),
        customer_id=customer.customer_id, customer_name=name, phone=phone, fulfilment=fulfilment,
        address=address if fulfilment == "domicilio" else None, notes=notes, lines=lines,
        total=sum(ln.total for ln in lines), source=source, placed_at=now)
    status = OrderStatusPayload(id=order_id, status="recibido", changed_at=now)
    await apply_server_changes(conn, tenant_id, [server_change("order_status", status, now),
                                                 server_change("order", payload, now)])
    placed = await orders.get(conn, tenant_id, order_id)
    assert placed is not None
    return placed


async def move(
    conn: Connection, tenant_id: uuid.UUID, order_id: uuid.UUID, status: OrderStatus,
    note: str | None, now: datetime,
) -> tuple[Order, Order]:
    """Change where an order stands (forward only; a rejection says why); (before, after)."""
    before = await orders.get(conn, tenant_id, order_id)
    if before is None:
        raise OrderNotFound("No encontré ese pedido en la tienda.")
    check_move(cast(OrderStatus, before.status), status, note)
    if status == before.status and (note or None) == before.status_note:
        return before, before
    payload = OrderStatusPayload(id=order_id, status=status, note=note, changed_at=now)
    await apply_server_changes(conn, tenant_id, [server_change("order_status", payload, now)])
    after = await orders.get(conn, tenant_id, order_id)
    assert after is not None
    return before, after
