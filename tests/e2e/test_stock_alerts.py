"""Two tills sell the last units offline: both sales stand, stock goes negative, an alert opens;
a receipt that restocks the product closes it. Every device sees the same."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from pos_client.services.sales import record_sale
from pos_client.store.repositories import alerts, catalog
from shared.ids import SERVER_WRITER
from shared.sale import PaymentMethod, Tender
from tests.support.backroom import receive
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


def test_overselling_offline_raises_then_clears_a_stock_alert(
    server, shop, paired_device, small_catalog
):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    for pos in (a, b):
        pos.agent.sync_once()
    item = next(p for p in small_catalog if not p.sold_by_weight)
    pieces = item.initial_stock_milli // 1000
    for pos in (a, b):  # each till sells the whole shelf while offline
        ticket = ticket_for(pos.db, item.barcode, pieces)
        record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    for pos in (a, b, a):
        pos.agent.sync_once()
    with a.db.read() as conn:
        product = catalog.by_barcode(conn, item.barcode).id
        assert catalog.stock_of(conn, product) == -item.initial_stock_milli
        assert alerts.open_alerts(conn) == {product: -item.initial_stock_milli}
    assert server.admin("SELECT count(*) AS n FROM sales")[0]["n"] == 2

    receive(b.till, product, 2 * item.initial_stock_milli)
    for pos in (b, a):
        pos.agent.sync_once()
    for pos in (a, b):
        with pos.db.read() as conn:
            assert alerts.open_alerts(conn) == {}
            assert catalog.stock_of(conn, product) == item.initial_stock_milli


def _alerts(pos) -> dict:
    """product id → (stock, open, writer) of every alert the till holds."""
    with pos.db.read() as conn:
        rows = conn.execute(text("SELECT product_id, stock_milli, open, hlc_device "
                                 "FROM stock_alerts")).all()
    return {r.product_id: (r.stock_milli, bool(r.open), r.hlc_device) for r in rows}


def test_the_till_whose_sale_raised_an_alert_holds_it_too_with_the_servers_writer(
    server, shop, paired_device, small_catalog
):
    """The server's alert is the server's change: the selling till pulls it like the others,
    and every till records the nil writer, as the server does."""
    seller, other = paired_device("caja-1"), paired_device("caja-2")
    for pos in (seller, other):
        pos.agent.sync_once()
    item = next(p for p in small_catalog if not p.sold_by_weight)
    pieces = item.initial_stock_milli // 1000
    ticket = ticket_for(seller.db, item.barcode, pieces + 1)  # one more than the shelf holds
    record_sale(seller.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    for pos in (seller, other):
        pos.agent.sync_once()
    with seller.db.read() as conn:
        product = str(catalog.by_barcode(conn, item.barcode).id)
    opened = {product: (-1000, True, str(SERVER_WRITER))}
    assert _alerts(seller) == _alerts(other) == opened
    stored = server.admin("SELECT hlc_device FROM stock_alerts")
    assert [r["hlc_device"] for r in stored] == [SERVER_WRITER]

    receive(seller.till, uuid.UUID(product), 5000)
    for pos in (seller, other):
        pos.agent.sync_once()
    for pos in (seller, other):
        assert _alerts(pos) == {product: (4000, False, str(SERVER_WRITER))}
