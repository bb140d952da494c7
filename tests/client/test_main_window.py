"""The counter screen, driven as a cashier drives it: scan, search, charge."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from pos_client.store.repositories import facts, outbox
from pos_client.ui.main_window import MainWindow
from pos_client.ui.worker import Worker

pytestmark = pytest.mark.unit


@pytest.fixture
def window(qtbot, stocked, device):
    worker = Worker()
    win = MainWindow(stocked, device, None, worker)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: worker.idle and win.products_model.rowCount() > 0)
    yield win
    win.close()
    worker.shutdown()


def _type(qtbot, win, text: str) -> None:
    qtbot.keyClicks(win.scan_input, text)
    qtbot.keyClick(win.scan_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.worker.idle)


def test_scanning_a_barcode_adds_the_product_and_updates_the_total(qtbot, window, small_catalog):
    coke = small_catalog[0]
    _type(qtbot, window, coke.barcode)
    _type(qtbot, window, coke.barcode)
    assert [(ln.name, ln.qty_milli) for ln in window.ticket.lines] == [(coke.name, 2000)]
    assert window.ticket_model.rowCount() == 1
    assert window.total_label.text() == f"${2 * coke.price / 100:,.2f}"


def test_quantity_prefix_multiplies_the_scan(qtbot, window, small_catalog):
    _type(qtbot, window, f"4*{small_catalog[1].barcode}")
    assert window.ticket.lines[0].qty_milli == 4000


def test_unknown_barcode_says_so_in_spanish_and_adds_nothing(qtbot, window):
    _type(qtbot, window, "0000000000000")
    assert window.ticket.lines == []
    assert "No encontré el código 0000000000000" in window.message_label.text()


def test_search_as_you_type_filters_the_product_list(qtbot, window, small_catalog):
    name = small_catalog[2].name
    qtbot.keyClicks(window.scan_input, name[:8])
    qtbot.waitUntil(lambda: window.worker.idle and all(
        name[:8].lower() in window.products_model.product(r).name.lower()
        for r in range(window.products_model.rowCount())))
    assert window.products_model.rowCount() >= 1


def test_charging_in_cash_records_the_sale_and_clears_the_ticket(qtbot, window, small_catalog):
    coke = small_catalog[0]
    _type(qtbot, window, coke.barcode)
    qtbot.keyClick(window.scan_input, Qt.Key.Key_Return)  # Enter on an empty input: charge
    dialog = window.payment_dialog
    qtbot.keyClicks(dialog.received, "100")
    assert dialog.change_label.text() == f"Cambio: ${(10_000 - coke.price) / 100:,.2f}"
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.last_receipt is not None)
    assert window.ticket.lines == []
    assert window.last_receipt.folio in window.message_label.text()
    with window.db.read() as conn:
        assert facts.sale_count(conn) == 1
        assert outbox.pending(conn, 10_000)[-1].body.find('"entity":"sale"') >= 0


def test_paying_less_than_the_total_is_refused(qtbot, window, small_catalog):
    _type(qtbot, window, small_catalog[0].barcode)
    window.charge()
    dialog = window.payment_dialog
    qtbot.keyClicks(dialog.received, "1")
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.error_label.text().startswith("Falta pagar")
    with window.db.read() as conn:
        assert facts.sale_count(conn) == 0
