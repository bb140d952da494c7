"""Every entry of a shop's change feed is filed under its change's writer: a device's own
changes under that device, everything the server makes (stock alerts, orders and their
statuses, a new shop's catalog, edits from the owner's tools) under the server, with the nil
writer and device_seq 0, whatever push or request caused it. Checked after a mixed run of two
tills and the server."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from pos_client.services import accounts
from pos_client.services.returns import return_sale
from pos_client.services.sales import record_sale
from shared.clock import utc_now
from shared.ids import SERVER_WRITER
from shared.sale import PaymentMethod, Tender
from shared.sync.envelopes import ENTITIES
from sync_server.db import tenant_tx
from sync_server.services import orders, shop_records
from tests.support.backroom import edit_product, receive
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e

SERVER_ONLY = {"stock_alert", "order", "plan"}


def test_every_feed_entry_is_filed_under_its_changes_writer(
    server, shop, paired_device, small_catalog
):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    for pos in (a, b):
        pos.agent.sync_once()
    item = next(p for p in small_catalog if not p.sold_by_weight)
    with a.db.read() as conn:
        product = conn.execute(text("SELECT product_id FROM product_barcodes "
                                 "WHERE barcode = :b"), {"b": item.barcode}).scalar()
    product_id = uuid.UUID(product)
    # Tills: sales that oversell (the server raises an alert), a return, a receipt (it closes
    # the alert), a price edit, a customer and an abono.
    for pos in (a, b):
        ticket = ticket_for(pos.db, item.barcode, item.initial_stock_milli // 1000)
        sale = record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    return_sale(b.till, sale.sale_id, "No la quiso", {1: 1000})
    lupita = accounts.save_customer(a.till, accounts.CustomerDraft("Lupita", "55 1234 5678", "500",
                                                                    opening_balance="100"))
    accounts.pay(a.till, lupita.id, 5000, PaymentMethod.CASH)
    for pos in (a, b, a):
        pos.agent.sync_once()
    edit_product(b.till, product_id, price=2300)
    receive(b.till, product_id, 10 * item.initial_stock_milli)

    # The server: an order and its status, a customer and a price from the owner's tools.
    async def server_made(pool):
        now = utc_now()
        async with tenant_tx(pool, shop.tenant_id) as conn:
            placed = await orders.place(conn, shop.tenant_id, orders.Customer(lupita.id),
                                        [orders.Item(product_id, 2000)], "recoger", None, None,
                                        "whatsapp", now)
            await orders.move(conn, shop.tenant_id, placed.order_id, "aceptado", None, now)
            await shop_records.register_customer(conn, shop.tenant_id, "Don Beto", None, 0, now)
            await shop_records.set_price(conn, shop.tenant_id, product_id, 2500, now)

    server.call(server_made)
    for pos in (b, a, b):
        pos.agent.sync_once()

    feed = server.admin("SELECT origin_device_id, device_seq, entity, change_id, hlc, "
                        "body->'payload'->>'id' AS id FROM changes ORDER BY seq")
    entities = {r["entity"] for r in feed}
    assert {"stock_alert", "order", "order_status", "sale", "sale_return", "product",
            "customer", "inventory_movement", "fiado_payment"} <= entities  # a mixed run
    tills = {pos.device.device_id: pos for pos in (a, b)}
    own = {d: _outbox(pos) for d, pos in tills.items()}
    for row in feed:
        origin = row["origin_device_id"]
        assert (origin is None) == (row["device_seq"] == 0), dict(row)
        if origin is not None:  # a device's change: that device made it
            assert str(row["change_id"]) in own[origin], dict(row)
            assert row["entity"] not in SERVER_ONLY
        if ENTITIES[row["entity"]].kind == "record":
            writer = str(origin or SERVER_WRITER)
            for pos in tills.values():  # the record on every till, as far as this edit won
                stamp = _record_stamp(pos, row["entity"], row["id"])
                if stamp is not None and stamp[0] == row["hlc"]:
                    assert stamp[1] == writer, (row["entity"], dict(row))
    assert {r["entity"] for r in feed if r["origin_device_id"] is None} >= SERVER_ONLY


def _outbox(pos) -> set[str]:
    with pos.db.read() as conn:
        return set(conn.execute(text("SELECT change_id FROM outbox")).scalars())


_TABLES = {"product": "products", "customer": "customers", "stock_alert": "stock_alerts",
           "order_status": "order_statuses", "category": "categories", "cashier": "cashiers",
           "settings": "settings", "plan": "shop_plan", "message_status": "message_statuses"}


def _record_stamp(pos, entity: str, record_id: str) -> tuple[int, str] | None:
    with pos.db.read() as conn:
        row = conn.execute(text(f"SELECT hlc, hlc_device FROM {_TABLES[entity]} WHERE id = :i"),
                           {"i": record_id}).first()
    return None if row is None else (row.hlc, row.hlc_device)
