"""Two tills sell the last units offline: both sales stand, stock goes negative, an alert opens;
a receipt that restocks the product closes it. Every device sees the same."""

from __future__ import annotations

import pytest

from pos_client.services.sales import record_sale
from pos_client.store.repositories import alerts, catalog
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
