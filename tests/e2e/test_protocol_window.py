"""The compatibility window across the version-3 → 4 step itself: a version-3 till (the released
code, frozen in tests/support/protocol_v3) syncs with today's server both ways beside a
version-4 till, and loses nothing; what it cannot read is left out, said, and sent to it once
it is upgraded. A till older than the window, or newer than its server, keeps selling and
says what to do."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from pos_client.services import inventory
from pos_client.services.device import save_pairing
from pos_client.services.sales import record_sale
from pos_client.store.repositories import catalog, meta
from pos_client.store.repositories import customers as till_customers
from pos_client.sync import client as sync_client
from pos_client.sync.agent import SyncAgent
from shared.hlc import HybridClock, wall_ms_now
from shared.ids import new_uuid7
from shared.sale import PaymentMethod, Tender, line_total
from sync_server.services import shops
from tests.support.backroom import edit_product
from tests.support.protocol_v3 import payloads as v3
from tests.support.protocol_v3.till import V3Till
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


def _v3_till(server, shop) -> V3Till:
    code = server.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
    return V3Till(server.url, code.code)


def _v3_sale(till: V3Till, product: v3.ProductPayload, customer_id) -> v3.SalePayload:
    total = line_total(product.price, 2000)
    return v3.SalePayload(
        id=new_uuid7(), folio=f"{till.code}-000001", sold_at=datetime.now(UTC), total=total,
        change=0, customer_id=customer_id,
        lines=[v3.SaleLinePayload(line_no=1, product_id=product.id, name=product.name,
                                  qty_milli=2000, unit_price=product.price, total=total,
                                  iva=v3.IvaRate(product.iva.value))],
        payments=[v3.SalePaymentPayload(method=v3.PaymentMethod.CASH, amount=total,
                                           tendered=total)])


def _others_in_feed(server, device_id) -> int:
    return server.admin("SELECT count(*) AS n FROM changes WHERE origin_device_id IS DISTINCT "
                        "FROM $1", device_id)[0]["n"]


def test_a_version_3_till_and_a_version_4_till_sync_both_ways_without_losing_a_change(
    server, shop, paired_device, small_catalog
):
    a = paired_device("caja-1")
    a.agent.sync_once()
    old = _v3_till(server, shop)
    old.sync()
    products = {i.change.payload.id: i.change.payload for i in old.received.values()
                if i.change.entity == "product"}
    assert len(products) == len(small_catalog)
    assert set(old.skipped) == {"plan"}  # the shop's plan: version 3 has no such record

    # The old till sells and edits a price, as the released code does: whole records.
    item, other = [p for p in small_catalog if not p.sold_by_weight][:2]
    product = next(p for p in products.values() if item.barcode in p.barcodes)
    customer = v3.CustomerPayload(id=new_uuid7(), name="Lupita", phone=None,
                                  credit_limit=100_000)
    old.record("customer", customer)
    old.record("product", product.model_copy(update={"price": product.price + 100}))
    sale = old.record("sale", _v3_sale(old, product.model_copy(
        update={"price": product.price + 100}), customer.id))
    old.record("inventory_movement", v3.InventoryMovementPayload(
        id=new_uuid7(), product_id=product.id, qty_milli=-1000, reason="count",
        moved_at=datetime.now(UTC)))
    old.push_all()
    assert {status for _, status in old.outbox.values()} == {"accepted"}

    # The new till gets all of it, and answers with version 4's own: a price edit naming
    # its field, a count, a sale.
    a.agent.sync_once()
    with a.db.read() as conn:
        assert catalog.by_id(conn, product.id).price == product.price + 100
        assert till_customers.account(conn, customer.id).name == "Lupita"
        assert conn.execute(text("SELECT total FROM sales WHERE id = :id"),
                            {"id": str(sale.payload.id)}).scalar() == sale.payload.total
        other_id = catalog.by_barcode(conn, other.barcode).id
    edit_product(a.till, other_id, price=777)
    inventory.apply_count(a.till, {other_id: 5000}, None)
    ticket = ticket_for(a.db, other.barcode, 1)
    a_sale = record_sale(a.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    a.agent.sync_once()

    # A refused record edit: version 3 reads the answer (no server copy in it for it).
    clock = old.clock
    old.clock = HybridClock(wall_ms=lambda: wall_ms_now() + 2 * 24 * 3600 * 1000)
    ahead = old.record("product", product.model_copy(update={"name": "Del futuro"}))
    old.push_all()
    assert old.answers[ahead.change_id].code == "clock_ahead"
    old.clock = clock

    old.pull_all()  # every page read by version 3's strict models
    got = {i.change.payload.id: i.change for i in old.received.values()}
    assert got[other_id].payload.price == 777  # the whole record, as the server holds it
    assert got[a_sale.sale_id].entity == "sale"
    assert old.skipped["stock_count"] == 1
    # Nothing lost: every change of the feed but its own reached it or is counted as skipped.
    assert len(old.received) + sum(old.skipped.values()) == _others_in_feed(server, old.device_id)
    old.close()


def test_an_upgraded_till_receives_what_version_3_left_out(
    server, shop, paired_device, new_device, small_catalog
):
    a = paired_device("caja-1")
    old = _v3_till(server, shop)
    item = next(p for p in small_catalog if not p.sold_by_weight)
    a.agent.sync_once()
    with a.db.read() as conn:
        product_id = catalog.by_barcode(conn, item.barcode).id
    inventory.apply_count(a.till, {product_id: 7000}, None)
    a.agent.sync_once()
    old.sync()
    assert set(old.skipped) == {"plan", "stock_count"}
    assert old.skipped["stock_count"] == 1

    # The same till, upgraded: its store keeps its identity and cursor (set here directly).
    pos = new_device("caja-v3-upgraded")
    save_pairing(pos.till, server_url=server.url, tenant_id=shop.tenant_id,
                 device_id=old.device_id, device_code=old.code, credential=old.credential,
                 shop_name="Abarrotes Doña Mary")
    with pos.db.write() as conn:
        meta.put(conn, "pull_cursor", str(old.cursor))
    status = pos.agent.sync_once()
    assert (status.online, status.problem) == (True, None)
    with pos.db.read() as conn:
        assert catalog.stock_of(conn, product_id) == 7000  # the count version 3 skipped
        assert meta.get_int(conn, "pull_cursor") == old.cursor
    again = pos.agent.sync_once()  # no second trip back
    assert again.received == 0
    old.close()


def test_a_till_older_than_the_window_keeps_selling_and_is_told_to_update(
    server, shop, paired_device, small_catalog, monkeypatch
):
    a = paired_device("caja-1")
    a.agent.sync_once()
    monkeypatch.setattr(sync_client, "PROTOCOL_VERSION", 2)
    a.agent = SyncAgent(a.db, a.device)  # the till, at version 2
    ticket = ticket_for(a.db, small_catalog[0].barcode, 1)
    record_sale(a.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    status = a.agent.sync_once()
    assert status.pending >= 1
    assert "Actualiza la aplicación" in (status.problem or "")
    ticket = ticket_for(a.db, small_catalog[0].barcode, 1)
    record_sale(a.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])  # still sells

    monkeypatch.setattr(sync_client, "PROTOCOL_VERSION", 4)  # updated
    status = SyncAgent(a.db, a.device).sync_once()  # the updated till
    assert (status.pending, status.problem) == (0, None)
    assert server.admin("SELECT count(*) AS n FROM sales")[0]["n"] == 2


def test_a_till_newer_than_its_server_keeps_selling_and_says_the_server_needs_updating(
    server, shop, paired_device, small_catalog, monkeypatch
):
    """The reverse: a server that does not accept the till's version yet (a version 5 here)."""
    a = paired_device("caja-1")
    a.agent.sync_once()
    monkeypatch.setattr(sync_client, "PROTOCOL_VERSION", 5)
    a.agent = SyncAgent(a.db, a.device)  # the till, at version 5
    ticket = ticket_for(a.db, small_catalog[0].barcode, 1)
    record_sale(a.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    status = a.agent.sync_once()
    assert status.pending >= 1
    assert "cuando se actualice el servidor" in (status.problem or "")
    monkeypatch.setattr(sync_client, "PROTOCOL_VERSION", 4)  # the server is upgraded
    assert SyncAgent(a.db, a.device).sync_once().pending == 0
    assert server.admin("SELECT count(*) AS n FROM sales")[0]["n"] == 1


@pytest.mark.parametrize("says_window", [True, False])
def test_a_version_4_till_against_a_server_of_version_3_keeps_selling_until_it_is_upgraded(
    server, shop, paired_device, small_catalog, monkeypatch, says_window
):
    """The reverse across the 3 → 4 step: the server accepts only up to 3. Servers from before
    the window did not say which versions they accept (``says_window`` False)."""
    from sync_server.api import deps

    a = paired_device("caja-1")
    a.agent.sync_once()
    monkeypatch.setattr(deps, "SUPPORTED_VERSIONS", (2, 3))
    if not says_window:
        monkeypatch.setattr(deps, "SUPPORTED_HEADER", "X-Not-Said")
    ticket = ticket_for(a.db, small_catalog[0].barcode, 1)
    record_sale(a.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    status = a.agent.sync_once()
    assert status.pending >= 1
    assert "cuando se actualice el servidor" in (status.problem or "")
    monkeypatch.undo()  # the server is upgraded
    status = a.agent.sync_once()
    assert (status.pending, status.problem) == (0, None)
    assert server.admin("SELECT count(*) AS n FROM sales")[0]["n"] == 1
