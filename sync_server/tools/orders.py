"""Order tools: orders by status, placing one (a customer only their own), moving one along."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from shared.money import format_mxn
from shared.orders import (
    FULFILMENT_LABELS,
    OPEN,
    ORDER_STATUSES,
    STATUS_LABELS,
    Fulfilment,
    OrderSource,
    OrderStatus,
)
from shared.quantity import QTY_SCALE, format_quantity
from sync_server.repositories import Connection, orders
from sync_server.repositories.orders import Order
from sync_server.services import orders as order_service
from sync_server.tools.base import (
    EVERYONE,
    SHOP,
    CallerRole,
    ToolContext,
    ToolInput,
    ToolOutput,
    WriteInput,
    WriteOutput,
    tool,
)
from sync_server.tools.customers import own_customer


class OrderLineOut(BaseModel):
    name: str
    qty: str
    unit_price_centavos: int
    total_centavos: int


class OrderOut(BaseModel):
    order_id: uuid.UUID
    number: int
    customer: str
    status: OrderStatus
    status_label: str
    status_note: str | None
    fulfilment: Fulfilment
    address: str | None
    notes: str | None
    total_centavos: int
    placed_at: datetime
    lines: list[OrderLineOut]


def order_out(o: Order) -> OrderOut:
    status: OrderStatus = o.status if o.status in ORDER_STATUSES else "recibido"
    return OrderOut(
        order_id=o.order_id, number=o.number, customer=o.customer_name, status=status,
        status_label=STATUS_LABELS[status], status_note=o.status_note,
        fulfilment=o.fulfilment,  # type: ignore[arg-type]
        address=o.address, notes=o.notes, total_centavos=o.total, placed_at=o.placed_at,
        lines=[OrderLineOut(name=ln.name, qty=format_quantity(ln.qty_milli),
                            unit_price_centavos=ln.unit_price, total_centavos=ln.total)
               for ln in o.lines])


def order_text(o: OrderOut) -> str:
    items = ", ".join(f"{ln.qty} {ln.name}" for ln in o.lines)
    return (f"Pedido #{o.number} de {o.customer} ({o.status_label}): {items}. Total "
            f"{format_mxn(o.total_centavos)}.")


class OrdersArgs(ToolInput):
    statuses: list[OrderStatus] = Field(
        default_factory=lambda: sorted(OPEN, key=ORDER_STATUSES.index),
        description="Qué estados listar (por omisión los abiertos: recibido, aceptado, preparando, "
                    "listo).")
    customer_id: uuid.UUID | None = Field(None, description="Solo los de este cliente (opcional).")
    limit: int = Field(20, ge=1, le=100)


class OrderList(ToolOutput):
    orders: list[OrderOut]


@tool("orders_by_status", "Pedidos por estado", EVERYONE)
async def orders_by_status(ctx: ToolContext, conn: Connection, args: OrdersArgs) -> OrderList:
    """Pedidos de clientes (WhatsApp, asistente…) por estado, los más nuevos primero. Un
    cliente solo ve los suyos."""
    customer = own_customer(ctx, args.customer_id) if ctx.caller.role is CallerRole.CUSTOMER \
        else args.customer_id
    found = [order_out(o) for o in await orders.listed(conn, ctx.tenant_id, args.statuses,
                                                       customer, args.limit)]
    if not found:
        return OrderList(summary="No hay pedidos en esos estados.", orders=[])
    return OrderList(summary="\n".join(f"• {order_text(o)}" for o in found[:15]), orders=found)


Quantity = Annotated[Decimal, Field(gt=0, le=9999, decimal_places=3,
                                    description="Cuántas piezas, o kilos de lo que se vende a granel.")]


class ItemArgs(ToolInput):
    product_id: uuid.UUID = Field(description="El producto (de search_products).")
    quantity: Quantity


class CreateOrderArgs(WriteInput):
    items: list[ItemArgs] = Field(min_length=1, max_length=50)
    customer_id: uuid.UUID | None = Field(
        None, description="El cliente de la tienda que pide (un cliente que pide para sí mismo no "
                          "lo necesita).")
    customer_name: str | None = Field(None, min_length=1, max_length=200,
                                      description="Nombre de quien pide, si no es cliente registrado.")
    phone: str | None = Field(None, pattern=r"^\+?[0-9]{10,15}$",
                              description="Su WhatsApp, si no es cliente registrado.")
    fulfilment: Fulfilment = Field("recoger", description="recoger en la tienda, o domicilio.")
    address: str | None = Field(None, max_length=300, description="Dirección (para domicilio).")
    notes: str | None = Field(None, max_length=300)

    @model_validator(mode="after")
    def _delivery_has_address(self) -> CreateOrderArgs:
        if self.fulfilment == "domicilio" and not self.address:
            raise ValueError("a domicilio necesita address")
        return self


class OrderWritten(WriteOutput):
    order: OrderOut


_SOURCES: dict[str, OrderSource] = {"mcp": "mcp", "asistente": "asistente", "whatsapp": "whatsapp"}


@tool("create_order", "Levantar un pedido", EVERYONE)
async def create_order(ctx: ToolContext, conn: Connection, args: CreateOrderArgs) -> OrderWritten:
    """Levanta un pedido con los productos y cantidades pedidos, a los precios de hoy (con
    mayoreo si aplica), para recoger o a domicilio. Llega a las cajas de la tienda como pedido
    «recibido». Un cliente solo puede pedir para sí mismo."""
    if ctx.caller.role is CallerRole.CUSTOMER:
        who = order_service.Customer(own_customer(ctx, args.customer_id))
    else:
        who = order_service.Customer(args.customer_id, args.customer_name, args.phone)
    items = [order_service.Item(i.product_id, int(i.quantity * QTY_SCALE)) for i in args.items]
    placed = order_out(await order_service.place(
        conn, ctx.tenant_id, who, items, args.fulfilment, args.address, args.notes,
        _SOURCES.get(ctx.caller.channel, "asistente"), ctx.now))
    how = FULFILMENT_LABELS[placed.fulfilment].lower()
    return OrderWritten(summary=f"Listo: {order_text(placed)} ({how}).",
                        changed=[f"Pedido #{placed.number} registrado como «recibido»"],
                        order=placed)


class MoveOrderArgs(WriteInput):
    order_id: uuid.UUID | None = Field(None, description="El pedido (o da number).")
    number: int | None = Field(None, ge=1, description="El número del pedido (#12).")
    status: OrderStatus = Field(description="El nuevo estado.")
    note: str | None = Field(None, max_length=300, description="Motivo (obligatorio para rechazar).")

    @model_validator(mode="after")
    def _one_way(self) -> MoveOrderArgs:
        if (self.order_id is None) == (self.number is None):
            raise ValueError("da order_id o number, uno de los dos")
        return self


@tool("update_order_status", "Cambiar el estado de un pedido", SHOP)
async def update_order_status(ctx: ToolContext, conn: Connection, args: MoveOrderArgs
                              ) -> OrderWritten:
    """Cambia el estado de un pedido: aceptado, preparando, listo, entregado, o rechazado (con
    el motivo) / cancelado. Solo hacia adelante; las cajas lo reciben al sincronizar."""
    order_id = args.order_id
    if order_id is None:
        assert args.number is not None
        found = await orders.by_number(conn, ctx.tenant_id, args.number)
        if found is None:
            raise order_service.OrderNotFound(f"No hay pedido #{args.number}.")
        order_id = found.order_id
    before, after = await order_service.move(conn, ctx.tenant_id, order_id, args.status,
                                             args.note, ctx.now)
    out = order_out(after)
    changed: list[str] = [] if before.status == after.status and before.status_note == after.status_note \
        else [f"Pedido #{out.number}: {STATUS_LABELS[before.status]} → {out.status_label}"]  # type: ignore[index]
    return OrderWritten(summary=(changed[0] + "." if changed else f"El pedido #{out.number} ya "
                                 f"estaba «{out.status_label}»."), changed=changed, order=out)


TOOLS = [orders_by_status, create_order, update_order_status]
