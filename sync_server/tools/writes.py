"""Write tools on the shop's records: register a customer, set a product's price, send a
customer their estado de cuenta. Each is a server-made change every till pulls."""

from __future__ import annotations

import uuid
from decimal import Decimal

from pydantic import Field

from shared.fiado import statement_text
from shared.money import format_mxn
from shared.phone import display_phone
from sync_server.repositories import Connection
from sync_server.services import shop_records
from sync_server.tools.base import OWNER_ONLY, SHOP, ToolContext, WriteInput, WriteOutput, tool
from sync_server.tools.customers import statement_of


def _centavos(pesos: Decimal) -> int:
    return int((pesos * 100).to_integral_value())


class RegisterCustomerArgs(WriteInput):
    name: str = Field(min_length=1, max_length=200, description="Nombre del cliente.")
    phone: str | None = Field(None, max_length=30, description="Su WhatsApp (10 dígitos o con +52).")
    credit_limit: Decimal = Field(Decimal(0), ge=0, le=1_000_000, decimal_places=2,
                                  description="Límite de fiado en pesos (0: sin fiado).")


class CustomerWritten(WriteOutput):
    customer_id: uuid.UUID


@tool("register_customer", "Registrar un cliente", SHOP)
async def register_customer(ctx: ToolContext, conn: Connection, args: RegisterCustomerArgs
                            ) -> CustomerWritten:
    """Da de alta a un cliente con su WhatsApp y su límite de fiado; llega a todas las cajas."""
    c = await shop_records.register_customer(conn, ctx.tenant_id, args.name, args.phone,
                                             _centavos(args.credit_limit), ctx.now)
    what = f"Cliente {c.name}" + (f" ({display_phone(c.phone)})" if c.phone else "") + \
        f", límite de fiado {format_mxn(c.credit_limit)}"
    return CustomerWritten(summary=f"Registré a {what}.", changed=[f"Alta: {what}"],
                           customer_id=c.id)


class SetPriceArgs(WriteInput):
    product_id: uuid.UUID = Field(description="El producto (de search_products).")
    price: Decimal = Field(ge=0, le=100_000, decimal_places=2,
                           description="El nuevo precio de venta en pesos (por pieza o por kg).")


class PriceWritten(WriteOutput):
    product_id: uuid.UUID
    old_price_centavos: int
    new_price_centavos: int


@tool("set_price", "Cambiar el precio de un producto", OWNER_ONLY)
async def set_price(ctx: ToolContext, conn: Connection, args: SetPriceArgs) -> PriceWritten:
    """Cambia el precio de venta de un producto; las cajas lo cobran así en cuanto sincronizan."""
    before, after = await shop_records.set_price(conn, ctx.tenant_id, args.product_id,
                                                 _centavos(args.price), ctx.now)
    changed = [] if before.price == after.price else \
        [f"{after.name}: {format_mxn(before.price)} → {format_mxn(after.price)}"]
    return PriceWritten(summary=(f"Precio cambiado: {changed[0]}." if changed else
                                 f"{after.name} ya costaba {format_mxn(after.price)}."),
                        changed=changed, product_id=after.id, old_price_centavos=before.price,
                        new_price_centavos=after.price)


class SendStatementArgs(WriteInput):
    customer_id: uuid.UUID = Field(description="El cliente al que se le manda.")


class StatementSent(WriteOutput):
    request_id: uuid.UUID
    text: str = Field(description="El mensaje que se manda.")


@tool("send_statement", "Mandar su estado de cuenta a un cliente", SHOP)
async def send_statement(ctx: ToolContext, conn: Connection, args: SendStatementArgs
                         ) -> StatementSent:
    """Manda al cliente su estado de cuenta por WhatsApp (a su número registrado): saldo,
    últimos movimientos y último abono. Se envía una sola vez."""
    st = await statement_of(ctx, conn, args.customer_id)
    text = statement_text(st)
    request = await shop_records.request_statement(conn, ctx.tenant_id, args.customer_id, text,
                                                   ctx.now)
    where = display_phone(request.to)
    return StatementSent(summary=f"Le mandé su estado de cuenta a {st.customer.name} ({where}).",
                         changed=[f"Estado de cuenta en cola para {st.customer.name} ({where})"],
                         request_id=request.id, text=text)


TOOLS = [register_customer, set_price, send_statement]
