"""A physical count is absolute: till B sells offline, till A counts the shelf, B syncs later.
The sale was already off the shelf when A counted, so every till and the server hold what A
counted (it used to be subtracted a second time)."""

from __future__ import annotations

import pytest

from pos_client.services import inventory
from pos_client.services.sales import record_sale
from pos_client.store.repositories import catalog
from shared.sale import PaymentMethod, Tender
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


def test_a_count_after_an_offline_sale_gives_the_counted_stock_everywhere(
    server, shop, paired_device, small_catalog
):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    for pos in (a, b):
        pos.agent.sync_once()
    item = next(p for p in small_catalog if not p.sold_by_weight)
    with a.db.read() as conn:
        product = catalog.by_barcode(conn, item.barcode).id
        shelf = catalog.stock_of(conn, product)

    ticket = ticket_for(b.db, item.barcode, 1)  # B sells one, offline (it does not sync)
    record_sale(b.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    counted = shelf - 1000  # the shelf A counts no longer has that one
    inventory.apply_count(a.till, {product: counted}, None,
                          {product: inventory.count_moment(a.till)})
    a.agent.sync_once()
    b.agent.sync_once()  # B's sale arrives after the count: it is inside it
    a.agent.sync_once()

    ticket = ticket_for(a.db, item.barcode, 2)  # sold after the count: off the counted stock
    record_sale(a.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    for pos in (a, b, a, b):
        pos.agent.sync_once()
    for pos in (a, b):
        with pos.db.read() as conn:
            assert catalog.stock_of(conn, product) == counted - 2000
    [row] = server.admin("SELECT stock_milli FROM product_stock WHERE product_id = $1", product)
    assert row["stock_milli"] == counted - 2000


def test_two_offline_counts_settle_on_the_later_one_everywhere(
    server, shop, paired_device, small_catalog
):
    """The rule documented in shared/stock.py: the later count wins whole."""
    a, b = paired_device("caja-1"), paired_device("caja-2")
    for pos in (a, b):
        pos.agent.sync_once()
    item = next(p for p in small_catalog if not p.sold_by_weight)
    with a.db.read() as conn:
        product = catalog.by_barcode(conn, item.barcode).id
    inventory.apply_count(a.till, {product: 7000}, None)
    inventory.apply_count(b.till, {product: 5000}, None)  # later, on the other till
    for pos in (b, a, b):
        pos.agent.sync_once()
    for pos in (a, b):
        with pos.db.read() as conn:
            assert catalog.stock_of(conn, product) == 5000
    [row] = server.admin("SELECT stock_milli FROM product_stock WHERE product_id = $1", product)
    assert row["stock_milli"] == 5000
