"""Edits the server makes to the shop's records for the owner's tools: register a customer,
set a product's price, send a customer their estado de cuenta. Each is a server-made change in
the caller's tenant transaction, so tills pull it like another till's edit."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.errors import DomainError, InvalidAmount, UnknownCustomer, UnknownProduct
from shared.ids import new_uuid7
from shared.phone import normalize_phone
from shared.sale import check_unit_price
from shared.sync.payloads import CustomerPayload, MessageRequestPayload, ProductPayload
from shared.tax import IvaRate
from sync_server.repositories import Connection, fiado, stock
from sync_server.repositories.stock import ProductRow
from sync_server.services.server_changes import apply_server_changes, server_change


class CustomerExists(DomainError):
    code = "customer_exists"


class NoPhone(DomainError):
    code = "customer_without_phone"


async def register_customer(
    conn: Connection, tenant_id: uuid.UUID, name: str, phone: str | None, credit_limit: int,
    now: datetime,
) -> CustomerPayload:
    """A new customer (fiado limit in centavos); a phone already on file is refused, so one
    WhatsApp number names one customer."""
    normalized = normalize_phone(phone) if phone else None
    if normalized and await fiado.by_phone(conn, tenant_id, normalized):
        raise CustomerExists("Ya hay un cliente con ese teléfono.")
    if credit_limit < 0:
        raise InvalidAmount("El límite de crédito no puede ser negativo.")
    payload = CustomerPayload(id=new_uuid7(), name=name, phone=normalized, credit_limit=credit_limit)
    await apply_server_changes(conn, tenant_id, [server_change("customer", payload, now)])
    return payload


async def set_price(
    conn: Connection, tenant_id: uuid.UUID, product_id: uuid.UUID, price: int, now: datetime,
) -> tuple[ProductRow, ProductPayload]:
    """The product's new price; (what it was, what it is now)."""
    check_unit_price(price)
    before = await stock.get(conn, tenant_id, product_id)
    if before is None:
        raise UnknownProduct("No encontré ese producto en el catálogo.")
    # Records travel whole (last writer wins per record until the wire merges per field): the
    # server's copy of every other field goes along unchanged.
    payload = ProductPayload(
        id=before.product_id, name=before.name, barcodes=before.barcodes,
        department=before.department, price=price, cost=before.cost, iva=IvaRate(before.iva),
        ieps_bp=before.ieps_bp, sold_by_weight=before.sold_by_weight,
        min_stock_milli=before.min_stock_milli, active=before.active,
        wholesale_price=before.wholesale_price, wholesale_min_milli=before.wholesale_min_milli)
    await apply_server_changes(conn, tenant_id, [server_change("product", payload, now)])
    return before, payload


async def request_statement(
    conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID, text: str, now: datetime,
) -> MessageRequestPayload:
    """Queue ``text`` (the estado de cuenta) for the customer's WhatsApp on file: the same
    message request a till makes, checked and sent the same way (at most once)."""
    customer = await fiado.customer(conn, tenant_id, customer_id)
    if customer is None:
        raise UnknownCustomer("La tienda no tiene ese cliente.")
    if not customer.phone:
        raise NoPhone(f"{customer.name} no tiene teléfono de WhatsApp registrado.")
    payload = MessageRequestPayload(id=new_uuid7(), customer_id=customer_id, to=customer.phone,
                                    kind="statement", text=text[:4096], requested_at=now)
    await apply_server_changes(conn, tenant_id, [server_change("message_request", payload, now)])
    return payload
