"""The counter screen, driven as a cashier drives it: scan, search, charge."""

from __future__ import annotations

import pytest

from pos_client.store.repositories import facts, outbox
from pos_client.ui.qt import Qt
from pos_client.ui.worker import Worker
from tests.support.till import counter_window

pytestmark = pytest.mark.unit


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
    with window.ctx.till.db.read() as conn:
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
    with window.ctx.till.db.read() as conn:
        assert facts.sale_count(conn) == 0


def _weighed(small_catalog):
    return next(p for p in small_catalog if p.sold_by_weight)


def test_a_weight_typed_before_the_code_sells_that_weight(qtbot, window, small_catalog):
    ham = _weighed(small_catalog)
    _type(qtbot, window, f"0.250*{ham.barcode}")
    _type(qtbot, window, f"1,5*{small_catalog[0].barcode}")  # not a quantity: refused
    assert [(ln.name, ln.qty_milli) for ln in window.ticket.lines] == [(ham.name, 250)]
    assert window.ticket.total == (ham.price * 250 + 500) // 1000


def test_scanning_a_weighed_item_asks_for_its_weight(qtbot, window, small_catalog):
    ham = _weighed(small_catalog)
    _type(qtbot, window, ham.barcode)
    dialog = window.weight_dialog
    qtbot.keyClicks(dialog.weight, "medio")
    qtbot.keyClick(dialog.weight, Qt.Key.Key_Return)
    assert "no es una cantidad válida" in dialog.error_label.text()
    dialog.weight.clear()
    qtbot.keyClicks(dialog.weight, "750 g")
    qtbot.keyClick(dialog.weight, Qt.Key.Key_Return)
    assert [(ln.name, ln.qty_milli) for ln in window.ticket.lines] == [(ham.name, 750)]


def test_a_sale_being_saved_cannot_be_charged_twice(qtbot, window, small_catalog):
    """F12 or Enter pressed again while the disk is slow must not record a second sale."""
    import threading

    gate = threading.Event()
    window.worker.submit(gate.wait)  # the worker is busy: the sale will queue behind this
    _type_no_wait(qtbot, window, small_catalog[0].barcode)
    gate.set()
    qtbot.waitUntil(lambda: window.worker.idle)
    gate.clear()
    window.worker.submit(gate.wait)
    window.charge()
    first = window.payment_dialog
    qtbot.keyClicks(first.received, "500")
    qtbot.keyClick(first.received, Qt.Key.Key_Return)
    assert window.ticket.lines == []  # a fresh ticket at once
    qtbot.keyClick(window.scan_input, Qt.Key.Key_Return)
    qtbot.keyClick(window, Qt.Key.Key_F12)
    assert window.payment_dialog is first  # no second payment dialog was opened
    gate.set()
    qtbot.waitUntil(lambda: window.worker.idle and window.last_receipt is not None)
    with window.ctx.till.db.read() as conn:
        assert facts.sale_count(conn) == 1


def _type_no_wait(qtbot, win, text: str) -> None:
    qtbot.keyClicks(win.scan_input, text)
    qtbot.keyClick(win.scan_input, Qt.Key.Key_Return)


def test_selling_offline_keeps_the_change_on_screen(qtbot, stocked, device, small_catalog):
    from pos_client.sync.agent import SyncAgent

    device.server_url, device.credential = "http://127.0.0.1:9", "mchd1.x.y.z"  # nobody there
    agent = SyncAgent(stocked, device)
    worker = Worker()
    win = counter_window(stocked, device, worker, agent)
    qtbot.addWidget(win)
    win.show()
    agent.start()
    try:
        qtbot.waitUntil(lambda: "Sin conexión" in win.sync_label.text())
        with stocked.read() as conn:
            after_sale = f"pendientes: {outbox.counts(conn).pending + 1} "
        _type(qtbot, win, small_catalog[0].barcode)
        win.charge()
        qtbot.keyClicks(win.payment_dialog.received, "100")
        qtbot.keyClick(win.payment_dialog.received, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: win.last_receipt is not None)
        qtbot.waitUntil(lambda: after_sale in win.sync_label.text())
        assert "Sin conexión" in win.sync_label.text()
        assert "Cambio:" in win.message_label.text()
    finally:
        agent.stop()
        win.close()
        worker.shutdown()


def test_function_keys_reach_their_actions(qtbot, window, small_catalog):
    _type(qtbot, window, small_catalog[0].barcode)
    qtbot.keyClick(window.scan_input, Qt.Key.Key_F12)
    assert window.payment_dialog.isVisible()
    window.payment_dialog.reject()
    qtbot.keyClick(window.scan_input, Qt.Key.Key_Delete)
    assert window.ticket.lines == []


def test_the_status_bar_says_when_refused_edits_went_back_to_the_servers_copy(
        qtbot, stocked, device):
    from pos_client.sync.agent import SyncStatus

    worker = Worker()
    win = counter_window(stocked, device, worker, None)
    qtbot.addWidget(win)
    try:
        win._show_sync_status(SyncStatus(online=True, pending=0, rejected=2, last_sync=None,
                                         problem=None, replaced=2))
        text = win.sync_label.text()
        assert "requieren atención: 2" in text
        assert "2 cambios rechazados: quedaron como en el servidor" in text
    finally:
        win.close()
        worker.shutdown()
