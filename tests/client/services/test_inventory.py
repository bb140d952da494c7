"""Inventory use cases on a real SQLite file: receipts, adjustments, counts, low stock, history."""

from __future__ import annotations

import csv
import dataclasses
import json
import uuid

import pytest
from sqlalchemy import select

from pos_client.services import catalog_admin, inventory, returns
from pos_client.services.sales import record_sale
from pos_client.services.till import Till
from pos_client.store.repositories import catalog
from pos_client.store.repositories.catalog import Product
from pos_client.store.schema import audit_events, inventory_movements, outbox, products
from shared.clock import utc_now
from shared.errors import DomainError, InvalidQuantity, UnknownProduct
from shared.sale import PaymentMethod, Tender
from shared.ticket import Ticket, TicketLine

pytestmark = pytest.mark.unit


def _product(db, starter) -> Product:
    with db.read() as conn:
        product = catalog.by_barcode(conn, starter.barcode)
    assert product is not None
    return product


def _stock(db, product) -> int:
    with db.read() as conn:
        return catalog.stock_of(conn, product.id)


def _sell(db, device, product, qty_milli: int) -> str:
    ticket = Ticket()
    ticket.add(TicketLine(product.id, product.name, product.price, qty_milli, product.iva,
                          product.ieps_bp, product.sold_by_weight))
    return record_sale(Till(db, device), ticket, [Tender(PaymentMethod.CASH, ticket.total)]).folio


def _movements(db, product, reason: str) -> list:
    with db.read() as conn:
        return conn.execute(select(inventory_movements).where(
            inventory_movements.c.product_id == str(product.id),
            inventory_movements.c.reason == reason)).all()


def _outbox_bodies(db, entity: str) -> list[dict]:
    with db.read() as conn:
        rows = conn.execute(select(outbox.c.body).where(outbox.c.entity == entity)).scalars()
        return [json.loads(b) for b in rows]


@pytest.fixture
def coke(stocked, small_catalog) -> Product:
    return _product(stocked, small_catalog[0])


@pytest.fixture
def weighed(stocked, small_catalog) -> Product:
    return _product(stocked, next(p for p in small_catalog if p.sold_by_weight))


# ---- receiving ------------------------------------------------------------------------------


def test_receiving_with_a_new_cost_updates_cost_stock_movements_and_outbox(till, stocked, coke,
                                                                            owner):
    before = _stock(stocked, coke)
    result = inventory.receive(till, [(coke.id, 24_000, 1850)], "Coca-Cola FEMSA", owner.id)
    assert _stock(stocked, coke) == before + 24_000
    [movement] = _movements(stocked, coke, "receipt")
    assert movement.qty_milli == 24_000
    assert "Coca-Cola FEMSA" in movement.note
    assert "$18.50" in movement.note
    with stocked.read() as conn:
        assert conn.execute(select(products.c.cost).where(products.c.id == str(coke.id))).scalar() == 1850
        audit = conn.execute(select(audit_events)).one()
    assert audit.action == "catalog_edit"
    assert audit.cashier_id == str(owner.id)
    assert [c.new_cost for c in result.cost_changes] == [1850]
    assert any(b["payload"]["id"] == str(movement.id) for b in _outbox_bodies(stocked, "inventory_movement"))
    assert _outbox_bodies(stocked, "product")[-1]["payload"]["cost"] == 1850
    assert _outbox_bodies(stocked, "product")[-1]["payload"]["name"] == coke.name  # the whole record


def test_receiving_at_the_same_cost_or_without_cost_leaves_the_product_alone(till, stocked, coke,
                                                                              small_catalog):
    products_before = len(_outbox_bodies(stocked, "product"))
    result = inventory.receive(till, [(coke.id, 6000, small_catalog[0].cost),
                                                 (coke.id, 6000, None)], None, None)
    assert result.cost_changes == []
    assert len(_outbox_bodies(stocked, "product")) == products_before
    assert len(_movements(stocked, coke, "receipt")) == 2


@pytest.mark.parametrize(("qty", "message"), [
    (0, "mayor que cero"), (-1000, "mayor que cero"), (1500, "por pieza"),
    (10_000_000, "demasiado"),
])
def test_receiving_bad_quantities_is_refused_and_writes_nothing(till, stocked, coke, weighed, qty,
                                                                message):
    before = _stock(stocked, coke)
    with pytest.raises(InvalidQuantity, match=message):
        inventory.receive(till, [(weighed.id, 2500, None), (coke.id, qty, 1000)], "", None)
    assert _stock(stocked, coke) == before
    assert _movements(stocked, weighed, "receipt") == []  # the good line was not written either


def test_receiving_a_deleted_product_is_refused(till, stocked, coke):
    catalog_admin.delete_product(till, coke.id, cashier_id=None)
    with pytest.raises(UnknownProduct):
        inventory.receive(till, [(coke.id, 1000, None)], "", None)


def test_weighed_goods_are_received_in_grams(till, stocked, weighed):
    before = _stock(stocked, weighed)
    inventory.receive(till, [(weighed.id, 2_250, None)], "", None)
    assert _stock(stocked, weighed) == before + 2_250


# ---- adjustments ----------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_adjustment_without_a_reason_is_refused(till, stocked, coke, reason):
    with pytest.raises(inventory.MissingReason):
        inventory.adjust(till, coke.id, -1000, reason, None)
    assert _movements(stocked, coke, "adjustment") == []


def test_an_adjustment_writes_a_movement_with_its_reason_and_an_audit_event(till, stocked, coke,
                                                                            owner):
    before = _stock(stocked, coke)
    inventory.adjust(till, coke.id, -2000, "Merma: se rompieron", owner.id)
    assert _stock(stocked, coke) == before - 2000
    [movement] = _movements(stocked, coke, "adjustment")
    assert movement.note == "Merma: se rompieron"
    with stocked.read() as conn:
        audit = conn.execute(select(audit_events)).one()
    assert audit.subject_id == str(coke.id)
    assert "Merma" in audit.detail


def test_an_adjustment_cannot_take_out_more_than_there_is(till, stocked, coke):
    with pytest.raises(InvalidQuantity, match="conteo físico"):
        inventory.adjust(till, coke.id, -(_stock(stocked, coke) + 1000), "Robo", None)


# ---- physical count -------------------------------------------------------------------------


def test_a_count_corrects_only_the_products_that_differ(till, stocked, small_catalog, owner):
    a, b, c = (_product(stocked, s) for s in small_catalog[:3])
    counted = {a.id: _stock(stocked, a) - 3000, b.id: _stock(stocked, b), c.id: _stock(stocked, c) + 1000}
    corrections = inventory.apply_count(till, counted, owner.id)
    assert {x.product_id: x.difference_milli for x in corrections} == {a.id: -3000, c.id: 1000}
    assert [_stock(stocked, p) for p in (a, b, c)] == [counted[a.id], counted[b.id], counted[c.id]]
    assert _movements(stocked, b, "count") == []
    missing = next(x for x in corrections if x.product_id == a.id)
    assert missing.value == -3 * small_catalog[0].cost


def test_a_sale_before_the_product_was_counted_is_already_off_the_shelf(till, stocked, device, coke):
    loaded = _stock(stocked, coke)  # the count screen shows this
    _sell(stocked, device, coke, 2000)  # sold while the owner walks to the shelf
    counted_at = utc_now()  # the owner counts what is left and types it
    inventory.apply_count(till, {coke.id: loaded - 2000}, None, {coke.id: counted_at})
    assert _stock(stocked, coke) == loaded - 2000
    assert _movements(stocked, coke, "count") == []  # nothing to correct


def test_a_sale_after_the_product_was_counted_is_not_lost(till, stocked, device, coke):
    loaded = _stock(stocked, coke)
    counted_at = utc_now()
    _sell(stocked, device, coke, 1000)  # rung up while the owner counts other shelves
    [c] = inventory.apply_count(till, {coke.id: loaded - 5000}, None, {coke.id: counted_at})
    assert (c.expected_milli, c.difference_milli) == (loaded, -5000)
    assert _stock(stocked, coke) == loaded - 5000 - 1000  # counted, minus the later sale


def test_a_count_without_times_is_taken_as_of_applying_it(till, stocked, device, coke):
    loaded = _stock(stocked, coke)
    _sell(stocked, device, coke, 1000)
    [c] = inventory.apply_count(till, {coke.id: loaded}, None)
    assert c.difference_milli == 1000
    assert _stock(stocked, coke) == loaded


def test_a_count_with_a_fraction_of_a_piece_is_refused(till, stocked, coke):
    with pytest.raises(InvalidQuantity, match="por pieza"):
        inventory.apply_count(till, {coke.id: 2500}, None)


# ---- low stock ------------------------------------------------------------------------------


def test_low_stock_lists_exactly_the_products_under_minimum_most_urgent_first(till, stocked, device,
                                                                             small_catalog):
    items = [_product(stocked, s) for s in small_catalog[:4]]
    minimum = {p.id: s.min_stock_milli for p, s in zip(items, small_catalog, strict=False)}
    inventory.apply_count(till, {
        items[0].id: minimum[items[0].id] - 1000,  # just under
        items[1].id: 0,  # out
        items[2].id: minimum[items[2].id],  # exactly at the minimum: fine
    }, None)
    _sell(stocked, device, items[3], _stock(stocked, items[3]) + 2000)  # oversold: -2
    with stocked.read() as conn:
        rows = inventory.low_stock(till)
        untouched = [p for p in catalog.search(conn) if p.id not in minimum]
    assert [r.item.id for r in rows] == [items[3].id, items[1].id, items[0].id]
    assert all(p.stock_milli >= 0 for p in untouched)  # the rest stay off the list
    assert rows[0].to_buy_milli == minimum[items[3].id] + 2000
    assert rows[2].to_buy_milli == 1000


def test_low_stock_csv_export(till, stocked, coke, tmp_path):
    inventory.apply_count(till, {coke.id: 0}, None)
    rows = inventory.low_stock(till)
    path = tmp_path / "faltantes.csv"
    inventory.export_low_stock(rows, path)
    table = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert table[0][0] == "Producto"
    assert table[1][0] == coke.name
    assert table[1][2] == "0"


def test_low_stock_csv_keeps_typed_names_as_text_and_numbers_as_numbers(till, stocked, device, coke,
                                                                         tmp_path):
    inventory.apply_count(till, {coke.id: 0}, None)
    _sell(stocked, device, coke, 2000)  # oversold: -2 on the shelf
    [row] = [r for r in inventory.low_stock(till) if r.item.id == coke.id]
    item = dataclasses.replace(row.item, name="=cmd|' /C calc'!A0", department="+Bebidas")
    path = tmp_path / "faltantes.csv"
    inventory.export_low_stock([dataclasses.replace(row, item=item)], path)
    [_, cells] = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert cells[:3] == ["'=cmd|' /C calc'!A0", "'+Bebidas", "-2"]


# ---- history --------------------------------------------------------------------------------


def test_history_runs_to_the_stock_cache_after_sales_and_returns(till, stocked, device, coke):
    inventory.receive(till, [(coke.id, 12_000, None)], "Proveedor", None)
    folio = _sell(stocked, device, coke, 3000)
    with stocked.read() as conn:
        sale_id = conn.exec_driver_sql("SELECT id FROM sales WHERE folio = ?", (folio,)).scalar()
    returns.return_sale(Till(stocked, device), uuid.UUID(sale_id), "No le gustó", {1: 1000})
    inventory.adjust(till, coke.id, -1000, "Caducado", None)
    rows = inventory.history(till, coke.id).rows
    assert [r.kind for r in rows] == ["Inventario inicial", "Recepción", "Venta", "Devolución", "Ajuste"]
    assert [r.qty_milli for r in rows[1:]] == [12_000, -3000, 1000, -1000]
    assert rows[2].reference == folio
    assert folio in rows[3].reference
    assert rows[-1].balance_milli == _stock(stocked, coke)
    assert all(b.at >= a.at for a, b in zip(rows, rows[1:], strict=False))


def test_history_limit_keeps_the_latest_with_the_true_balance(till, stocked, device, coke):
    for _ in range(3):
        _sell(stocked, device, coke, 1000)
    rows = inventory.history(till, coke.id, limit=2).rows
    assert [r.kind for r in rows] == ["Venta", "Venta"]
    assert rows[-1].balance_milli == _stock(stocked, coke)


def test_a_long_note_is_refused(till, stocked, coke):
    with pytest.raises(DomainError, match="muy larga"):
        inventory.receive(till, [(coke.id, 1000, None)], "x" * 300, None)
