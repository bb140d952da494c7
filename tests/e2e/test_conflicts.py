"""Record conflicts settle by last writer on the hybrid clock; skewed clocks move no derived value."""

from __future__ import annotations

import pytest

from pos_client.services import accounts
from pos_client.services.accounts import CustomerDraft
from pos_client.services.sales import record_sale
from pos_client.services.till import Till
from pos_client.store.repositories import catalog, customers
from shared.hlc import HybridClock, wall_ms_now
from shared.sale import PaymentMethod, Tender
from shared.sync.payloads import CustomerPayload
from tests.support.backroom import edit_product, receive
from tests.support.builders import record
from tests.support.client import open_device
from tests.support.ledger import fiado_charge
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e

TWO_HOURS_MS = 2 * 3600 * 1000


def _product_id(pos, barcode):
    with pos.db.read() as conn:
        return catalog.by_barcode(conn, barcode).id


def test_an_older_offline_edit_loses_to_a_newer_one(server, shop, paired_device, small_catalog):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    a.agent.sync_once()
    b.agent.sync_once()
    coke = _product_id(a, small_catalog[0].barcode)
    edit_product(a.till, coke, price=2300)  # A is offline: not pushed yet
    edit_product(b.till, coke, price=2500)  # later, on B, pushed at once
    b.agent.sync_once()
    a.agent.sync_once()  # A's older edit arrives last
    b.agent.sync_once()
    for pos in (a, b):
        with pos.db.read() as conn:
            assert catalog.by_id(conn, coke).price == 2500
    assert server.admin("SELECT price FROM products WHERE product_id = $1", coke)[0]["price"] == 2500


@pytest.mark.parametrize("skew_ms", [TWO_HOURS_MS, -TWO_HOURS_MS])
def test_a_skewed_clock_changes_no_derived_value(server, shop, paired_device, small_catalog, skew_ms):
    skewed, honest = paired_device("caja-1"), paired_device("caja-2")
    skewed.device.clock = HybridClock(wall_ms=lambda: wall_ms_now() + skew_ms)
    for pos in (skewed, honest):
        pos.agent.sync_once()
    debtor_id = accounts.save_customer(Till(honest.db, honest.device),
                                       CustomerDraft("Doña Lupita", credit_limit="500")).id
    fiado_charge(Till(honest.db, honest.device), debtor_id, 4_000)
    for pos in (honest, skewed):
        pos.agent.sync_once()
    item = small_catalog[0]
    product = _product_id(honest, item.barcode)
    with skewed.db.read() as conn:
        debtor = {c.id: c for c in customers.balances(conn)}[debtor_id]
    assert debtor.balance == 4_000
    for pos in (skewed, honest):
        ticket = ticket_for(pos.db, item.barcode, 2)
        record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
        receive(pos.till, product, 5000)
        fiado_charge(Till(pos.db, pos.device), debtor.id, 1000)
        accounts.pay(Till(pos.db, pos.device), debtor.id, 300, PaymentMethod.CASH)
    for _ in range(2):
        for pos in (skewed, honest):
            pos.agent.sync_once()
    expected_stock = item.initial_stock_milli - 2 * 2000 + 2 * 5000
    expected_balance = debtor.balance + 2 * (1000 - 300)
    for pos in (skewed, honest):
        with pos.db.read() as conn:
            assert catalog.stock_of(conn, product) == expected_stock
            assert {c.id: c.balance for c in customers.balances(conn)}[debtor.id] == expected_balance
    row = server.admin("SELECT stock_milli FROM product_stock WHERE product_id = $1", product)
    assert row[0]["stock_milli"] == expected_stock


def test_a_restarted_slow_clock_still_orders_after_what_it_has_seen(
    server, shop, paired_device, small_catalog
):
    """A till two hours behind pulls a customer edit, restarts, edits the customer: its edit,
    made later, must win (the clock resumes past every stamp the store holds)."""
    honest, slow = paired_device("caja-1"), paired_device("caja-2")
    customer = accounts.save_customer(Till(honest.db, honest.device),
                                      CustomerDraft("Don Beto", credit_limit="100")).id
    honest.agent.sync_once()
    slow.agent.sync_once()
    path = slow.db.path
    slow.close()
    restarted = open_device(path)
    try:
        restarted.device.clock = HybridClock(
            last=restarted.device.clock.last, wall_ms=lambda: wall_ms_now() - TWO_HOURS_MS)
        record(restarted.till, "customer", CustomerPayload(
            id=customer, name="Don Beto", credit_limit=30_000))
        restarted.agent.sync_once()
        honest.agent.sync_once()
        for pos in (honest, restarted):
            with pos.db.read() as conn:
                limits = {c.id: c.credit_limit for c in customers.balances(conn)}
            assert limits[customer] == 30_000
    finally:
        restarted.close()
