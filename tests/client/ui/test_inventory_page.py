"""The inventory page driven as the owner drives it: scan, type, Ctrl+S; rows checked in SQLite."""

from __future__ import annotations

import csv
import json
import uuid

import pytest
from sqlalchemy import select

from pos_client.services import inventory
from pos_client.services.sales import record_sale
from pos_client.services.till import Till
from pos_client.store.repositories import catalog
from pos_client.store.repositories.stock_ledger import StockItem
from pos_client.store.schema import inventory_movements, outbox, products
from pos_client.ui.backroom.inventory_page import InventoryPage
from pos_client.ui.qt import QMessageBox, Qt
from shared.sale import PaymentMethod, Tender
from shared.ticket import Ticket, TicketLine
from tests.support.qt import show_active

pytestmark = pytest.mark.unit


@pytest.fixture
def page(qtbot, ctx):
    widget = InventoryPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(800, 560)  # what the back-room window leaves a page at 1024×600
    show_active(qtbot, widget)
    qtbot.waitUntil(lambda: ctx.worker.idle)
    return widget


def _product(db, starter):
    with db.read() as conn:
        return catalog.by_barcode(conn, starter.barcode)


def _stock(db, product) -> int:
    with db.read() as conn:
        return catalog.stock_of(conn, product.id)


def _movements(db, reason: str) -> list:
    with db.read() as conn:
        return conn.execute(select(inventory_movements)
                            .where(inventory_movements.c.reason == reason)).all()


def _scan(qtbot, page, tab, code: str) -> None:
    qtbot.keyClicks(tab.picker.input, code)
    qtbot.keyClick(tab.picker.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.ctx.worker.idle)


def _save(qtbot, page) -> None:
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.ctx.worker.idle)


def test_the_page_fits_the_back_room_at_1024_by_600(page):
    hint = page.minimumSizeHint()
    assert hint.width() <= 800
    assert hint.height() <= 560


# ---- receiving ------------------------------------------------------------------------------


def test_receiving_scanned_products_with_a_new_cost(qtbot, page, stocked, small_catalog):
    tab = page.receive_tab
    coke = _product(stocked, small_catalog[0])
    before = _stock(stocked, coke)
    _scan(qtbot, page, tab, coke.barcode)
    _scan(qtbot, page, tab, coke.barcode)  # a second scan is one more piece
    assert tab.table.rowCount() == 1
    assert tab.table.item(0, 1).text() == "2"
    tab.table.item(0, 1).setText("24")
    tab.table.item(0, 2).setText("19.50")
    assert tab.total_label.text() == "Total: $468.00"
    qtbot.keyClicks(tab.supplier, "FEMSA")
    _save(qtbot, page)
    assert "Mercancía recibida" in tab.message.text()
    assert "$19.50" in tab.message.text()
    assert _stock(stocked, coke) == before + 24_000
    with stocked.read() as conn:
        assert conn.execute(select(products.c.cost)
                            .where(products.c.id == str(coke.id))).scalar() == 1950
        bodies = [json.loads(b) for b in conn.execute(
            select(outbox.c.body).where(outbox.c.entity == "inventory_movement")).scalars()]
    assert bodies[-1]["payload"]["reason"] == "receipt"
    assert bodies[-1]["payload"]["qty_milli"] == 24_000
    assert tab.table.rowCount() == 0


@pytest.mark.parametrize(("typed", "message"), [
    ("1.5", "por pieza"), ("99999", "no es una cantidad válida"), ("0", "mayor que cero")])
def test_receiving_a_bad_quantity_is_refused_in_the_page(qtbot, page, stocked, small_catalog, typed,
                                                         message):
    tab = page.receive_tab
    _scan(qtbot, page, tab, small_catalog[0].barcode)
    tab.table.item(0, 1).setText(typed)
    _save(qtbot, page)
    assert message in tab.message.text()
    assert small_catalog[0].name in tab.message.text()
    assert _movements(stocked, "receipt") == []
    assert tab.table.rowCount() == 1  # nothing lost: fix it and save again


def test_an_unknown_code_says_so(qtbot, page):
    _scan(qtbot, page, page.receive_tab, "0000000000000")
    assert "No encontré" in page.receive_tab.message.text()
    assert page.receive_tab.table.rowCount() == 0


def test_typing_words_lists_the_matches_to_choose_from(qtbot, page, small_catalog):
    tab = page.receive_tab
    _scan(qtbot, page, tab, "Coca")
    assert tab.picker.results.count() >= 2
    tab.picker.results.setCurrentRow(1)
    qtbot.keyClick(tab.picker.results, Qt.Key.Key_Return)
    assert tab.table.rowCount() == 1
    assert tab.picker.results.isHidden()


# ---- adjustments ----------------------------------------------------------------------------


def test_an_adjustment_with_a_reason(qtbot, page, stocked, small_catalog):
    page.tabs.setCurrentWidget(page.adjust_tab)
    tab = page.adjust_tab
    coke = _product(stocked, small_catalog[0])
    before = _stock(stocked, coke)
    _scan(qtbot, page, tab, coke.barcode)
    assert coke.name in tab.product_label.text()
    qtbot.keyClicks(tab.quantity, "2")
    tab.reason.setCurrentText("Merma")
    qtbot.keyClicks(tab.detail, "se rompieron")
    _save(qtbot, page)
    assert "Ajuste guardado" in tab.message.text()
    assert _stock(stocked, coke) == before - 2000
    [movement] = _movements(stocked, "adjustment")
    assert movement.note == "Merma: se rompieron"


def test_an_adjustment_without_a_reason_is_refused_in_the_page(qtbot, page, stocked, small_catalog):
    page.tabs.setCurrentWidget(page.adjust_tab)
    tab = page.adjust_tab
    _scan(qtbot, page, tab, small_catalog[0].barcode)
    qtbot.keyClicks(tab.quantity, "1")
    _save(qtbot, page)
    assert "motivo" in tab.message.text()
    assert _movements(stocked, "adjustment") == []


# ---- physical count -------------------------------------------------------------------------


def test_a_count_shows_differences_and_applies_only_them_after_confirming(qtbot, page, stocked,
                                                                        small_catalog):
    page.tabs.setCurrentWidget(page.count_tab)
    tab = page.count_tab
    a, b = (_product(stocked, s) for s in small_catalog[:2])
    stock_a, stock_b = _stock(stocked, a), _stock(stocked, b)
    _scan(qtbot, page, tab, a.barcode)
    _scan(qtbot, page, tab, b.barcode)
    tab.table.item(0, 2).setText(str(stock_a // 1000 - 4))
    tab.table.item(1, 2).setText(str(stock_b // 1000))
    assert tab.table.item(0, 3).text() == "-4"
    assert tab.table.item(1, 3).text() == "0"
    _save(qtbot, page)
    qtbot.waitUntil(lambda: tab.confirm is not None and tab.confirm.isVisible())
    assert a.name in tab.confirm.text()
    assert b.name not in tab.confirm.text()
    tab.confirm_yes.click()
    qtbot.waitUntil(lambda: page.ctx.worker.idle and "Conteo aplicado" in tab.message.text())
    assert _stock(stocked, a) == stock_a - 4000
    assert _stock(stocked, b) == stock_b
    assert [m.qty_milli for m in _movements(stocked, "count")] == [-4000]


def test_a_sale_rung_up_after_counting_is_kept(qtbot, page, stocked, device, small_catalog):
    page.tabs.setCurrentWidget(page.count_tab)
    tab = page.count_tab
    coke = _product(stocked, small_catalog[0])
    counted = _stock(stocked, coke) // 1000 - 1
    _scan(qtbot, page, tab, coke.barcode)
    tab.table.item(0, 2).setText(str(counted))  # the shelf is counted…
    ticket = Ticket([TicketLine(coke.id, coke.name, coke.price, 2000, coke.iva)])
    record_sale(Till(stocked, device), ticket, [Tender(PaymentMethod.CASH, ticket.total)])  # …then 2 sold
    _save(qtbot, page)
    qtbot.waitUntil(lambda: tab.confirm is not None and tab.confirm.isVisible())
    tab.confirm_yes.click()
    qtbot.waitUntil(lambda: page.ctx.worker.idle and "Conteo aplicado" in tab.message.text())
    assert _stock(stocked, coke) == (counted - 2) * 1000


def test_a_counted_fraction_of_a_piece_is_refused(qtbot, page, stocked, small_catalog):
    page.tabs.setCurrentWidget(page.count_tab)
    tab = page.count_tab
    _scan(qtbot, page, tab, small_catalog[0].barcode)
    tab.table.item(0, 2).setText("2.5")
    assert tab.table.item(0, 3).text() == "¿?"
    _save(qtbot, page)
    assert "por pieza" in tab.message.text()
    assert tab.confirm is None
    assert _movements(stocked, "count") == []


def test_counting_none_on_the_shelf_is_zero(qtbot, page, stocked, small_catalog):
    page.tabs.setCurrentWidget(page.count_tab)
    tab = page.count_tab
    _scan(qtbot, page, tab, small_catalog[0].barcode)
    tab.table.item(0, 2).setText("0")
    _save(qtbot, page)
    qtbot.waitUntil(lambda: tab.confirm is not None and tab.confirm.isVisible())
    tab.confirm_yes.click()
    qtbot.waitUntil(lambda: page.ctx.worker.idle and "Conteo aplicado" in tab.message.text())
    assert _stock(stocked, _product(stocked, small_catalog[0])) == 0


# ---- low stock and history ------------------------------------------------------------------


def test_low_stock_report_and_csv_export(till, qtbot, page, stocked, small_catalog, tmp_path):
    tab = page.low_tab
    coke = _product(stocked, small_catalog[0])
    inventory.apply_count(till, {coke.id: 2000}, None)
    page.tabs.setCurrentWidget(tab)
    expected = [r.item.name for r in inventory.low_stock(till)]
    qtbot.mouseClick(next(b for b in tab.findChildren(type(page.receive_tab.save_button))
                          if b.text() == "Actualizar"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.ctx.worker.idle)
    assert coke.name in expected
    assert [tab.table.item(i, 0).text() for i in range(tab.table.rowCount())] == expected
    assert page.tabs.tabText(page.tabs.indexOf(tab)) == f"Bajo mínimo ({len(expected)})"
    path = tmp_path / "faltantes.csv"
    tab.choose_path = lambda: path
    tab.export()
    qtbot.waitUntil(lambda: page.ctx.worker.idle and "Exportado" in tab.message.text())
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert [r[0] for r in rows[1:]] == expected


def test_history_of_a_product_ends_at_its_stock(qtbot, page, stocked, device, small_catalog):
    coke = _product(stocked, small_catalog[0])
    ticket = Ticket([TicketLine(coke.id, coke.name, coke.price, 3000, coke.iva)])
    receipt = record_sale(Till(stocked, device), ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    page.tabs.setCurrentWidget(page.history_tab)
    tab = page.history_tab
    _scan(qtbot, page, tab, coke.barcode)
    assert tab.table.rowCount() == 2
    assert tab.table.item(1, 1).text() == "Venta"
    assert tab.table.item(1, 2).text() == receipt.folio
    assert tab.table.item(1, 3).text() == "-3"
    assert tab.table.item(1, 4).text() == str(_stock(stocked, coke) // 1000)


# ---- one press, one write -------------------------------------------------------------------


def _press_save_twice(qtbot, page) -> None:
    """Ctrl+S and a click on the button before the worker answers the first."""
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    current = page.tabs.currentWidget()
    assert not current.save_button.isEnabled()  # off until the worker answers
    current.save_button.click()
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.ctx.worker.idle)


def test_an_adjustment_saved_twice_in_a_hurry_is_written_once(qtbot, page, stocked, small_catalog):
    page.tabs.setCurrentWidget(page.adjust_tab)
    tab = page.adjust_tab
    coke = _product(stocked, small_catalog[0])
    before = _stock(stocked, coke)
    _scan(qtbot, page, tab, coke.barcode)
    qtbot.keyClicks(tab.quantity, "5")
    tab.reason.setCurrentText("Merma")
    _press_save_twice(qtbot, page)
    assert _stock(stocked, coke) == before - 5000
    assert len(_movements(stocked, "adjustment")) == 1
    assert tab.save_button.isEnabled()  # ready for the next one


def test_a_refused_adjustment_gives_the_button_back(qtbot, page, stocked, small_catalog):
    page.tabs.setCurrentWidget(page.adjust_tab)
    tab = page.adjust_tab
    _scan(qtbot, page, tab, small_catalog[0].barcode)
    qtbot.keyClicks(tab.quantity, "1")
    _save(qtbot, page)  # no reason: refused by the service
    assert "motivo" in tab.message.text()
    assert tab.save_button.isEnabled()


def test_a_receipt_saved_twice_in_a_hurry_is_written_once(qtbot, page, stocked, small_catalog):
    tab = page.receive_tab
    coke = _product(stocked, small_catalog[0])
    before = _stock(stocked, coke)
    _scan(qtbot, page, tab, coke.barcode)
    tab.table.item(0, 1).setText("12")
    _press_save_twice(qtbot, page)
    assert _stock(stocked, coke) == before + 12_000
    assert len(_movements(stocked, "receipt")) == 1
    assert tab.save_button.isEnabled()


def test_a_count_applied_twice_in_a_hurry_is_confirmed_and_written_once(qtbot, page, stocked,
                                                                        small_catalog):
    page.tabs.setCurrentWidget(page.count_tab)
    tab = page.count_tab
    coke = _product(stocked, small_catalog[0])
    before = _stock(stocked, coke)
    _scan(qtbot, page, tab, coke.barcode)
    tab.table.item(0, 2).setText(str(before // 1000 - 3))
    _press_save_twice(qtbot, page)
    boxes = [b for b in tab.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    assert not tab.apply_button.isEnabled()  # still deciding
    tab.confirm_yes.click()
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.ctx.worker.idle and "Conteo aplicado" in tab.message.text())
    assert _stock(stocked, coke) == before - 3000
    assert len(_movements(stocked, "count")) == 1
    assert tab.apply_button.isEnabled()


def test_a_cancelled_count_can_be_applied_later(qtbot, page, stocked, small_catalog):
    page.tabs.setCurrentWidget(page.count_tab)
    tab = page.count_tab
    _scan(qtbot, page, tab, small_catalog[0].barcode)
    tab.table.item(0, 2).setText("1")
    _save(qtbot, page)
    qtbot.waitUntil(lambda: tab.confirm is not None and tab.confirm.isVisible())
    tab.confirm.reject()
    assert tab.apply_button.isEnabled()
    assert _movements(stocked, "count") == []


# ---- counting the whole shop ----------------------------------------------------------------


def test_count_everything_loads_each_product_once(qtbot, page, stocked, small_catalog):
    page.tabs.setCurrentWidget(page.count_tab)
    tab = page.count_tab
    _scan(qtbot, page, tab, small_catalog[0].barcode)
    sheet = inventory.count_sheet(page.ctx.till)
    for _ in range(2):
        tab.load_all()
        qtbot.waitUntil(lambda: page.ctx.worker.idle)
    assert tab.table.rowCount() == len(sheet)
    assert sorted(i.id for i in tab.items) == sorted(i.id for i in sheet)
    assert tab.table.item(0, 0).text() == _product(stocked, small_catalog[0]).name


def test_fifty_thousand_products_fill_the_count_sheet_once_each(qtbot, page):
    """The whole catalog on the sheet, duplicates skipped (how fast is a benchmark's business,
    not a test's: this one checks the bulk path keeps every row right)."""
    tab = page.count_tab
    page.tabs.setCurrentWidget(tab)
    items = [StockItem(uuid.UUID(int=n + 1), f"Producto {n}", n % 7 == 0, 1_000, 0, n % 500 * 1000,
                       None, True, False) for n in range(50_000)]
    tab._add_many(items)
    tab._add_many(items[:25_000])  # already on the sheet: nothing added
    assert tab.table.rowCount() == 50_000
    assert tab.table.item(49_999, 1).text() == "499"
    tab.table.item(49_999, 2).setText("490")
    assert tab.table.item(49_999, 3).text() == "-9"
