"""The counter's printing end to end: each sale's ticket on a printer file (exact ESC/POS bytes),
the drawer kick only for cash, an unplugged printer that keeps the sale and reprints from F6,
the on-screen preview, Ctrl+D with a PIN, and a return that prints nothing."""

from __future__ import annotations

import shutil
import socket
import uuid
from pathlib import Path

import pytest

from pos_client.receipts.document import Printer
from pos_client.receipts.escpos import CODE_PAGE, drawer_kick, render_escpos
from pos_client.receipts.printers import FilePrinter, NetworkPrinter
from pos_client.receipts.sale_ticket import sale_document
from pos_client.services.tickets import sale_ticket
from pos_client.store.repositories import catalog
from pos_client.ui.auth import PinDialog
from pos_client.ui.backroom.printer_page import PrinterPage
from pos_client.ui.printing import PreviewDialog
from pos_client.ui.qt import QApplication, Qt
from pos_client.ui.sales_history import ReturnDialog, SalesHistoryDialog
from shared.money import format_mxn
from tests.support.qt import show_active
from tests.support.till import as_cashier, enter_pin, rows, type_enter

pytestmark = pytest.mark.unit

QR, CUT, KICK = b"\x1d(k", b"\x1dV", b"\x1bp"  # GS ( k, GS V, ESC p


@pytest.fixture
def lp0(tmp_path: Path) -> Path:
    return tmp_path / "lp0"


def _pay_cash(qtbot, win, amount: str) -> None:
    """Charge in cash and wait until the sale is saved and its ticket is out (the sale chains
    its receipt on the worker and the receipt its print on the printer's worker, each submitted
    before the one before is let go: both idle means it was written)."""
    before = win.last_receipt
    win.charge()
    dialog = win.payment_dialog
    qtbot.keyClicks(dialog.received, amount)
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.worker.idle and win.ctx.print_worker.idle
                    and win.last_receipt is not before)
    show_active(qtbot, win)  # the dialog closed: the counter has the keyboard again


def _pay_card(qtbot, win) -> None:
    before = win.last_receipt
    win.charge()
    dialog = win.payment_dialog
    dialog.card_button.click()
    card = dialog.tender_dialog  # the whole amount, prefilled
    qtbot.keyClicks(card.reference, "AUT 481516")
    qtbot.keyClick(card.reference, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)  # nothing left to pay in cash
    qtbot.waitUntil(lambda: win.worker.idle and win.ctx.print_worker.idle
                    and win.last_receipt is not before)
    show_active(qtbot, win)


def _expected(win, sale_id: uuid.UUID, reprint: bool = False, paper_mm: int = 80) -> bytes:
    """What the receipts module renders for the stored sale: the bytes the printer must get."""
    return render_escpos(sale_document(sale_ticket(win.ctx.till, sale_id), reprint=reprint), paper_mm)


def _stock(win, barcode: str) -> int:
    with win.ctx.till.db.read() as conn:
        return catalog.by_barcode(conn, barcode).stock_milli


def _listed_stock(win, barcode: str) -> int | None:
    model = win.products_model
    return next((model.product(i).stock_milli for i in range(model.rowCount())
                 if model.product(i).barcode == barcode), None)


def _history(qtbot, win) -> SalesHistoryDialog:
    qtbot.keyClick(win, Qt.Key.Key_F6)
    dialog = win.sales_dialog
    qtbot.waitUntil(lambda: win.worker.idle and dialog.model.rowCount() > 0)
    qtbot.waitUntil(lambda: "Folio" in dialog.ticket.toPlainText())
    show_active(qtbot, dialog)
    return dialog


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ---- the ticket of each sale ----------------------------------------------------------------


def test_a_cash_sale_prints_its_ticket_with_qr_cut_and_drawer_kick(qtbot, window, ctx, small_catalog,
                                                                    lp0):
    ctx.printer = FilePrinter(str(lp0), 80)
    coke = small_catalog[0]
    type_enter(qtbot, window, f"2*{coke.barcode}")
    _pay_cash(qtbot, window, "100")
    sale = window.last_receipt
    printed = lp0.read_bytes()
    assert printed == _expected(window, sale.sale_id)
    assert f"Folio: {sale.folio}".encode(CODE_PAGE) in printed
    assert format_mxn(2 * coke.price).encode(CODE_PAGE) in printed
    assert b"IVA 16%" in printed
    assert b"Efectivo" in printed
    assert format_mxn(10_000 - 2 * coke.price).encode(CODE_PAGE) in printed  # the change
    assert QR in printed
    assert str(sale.sale_id).encode() in printed  # the invoice link in the QR
    assert printed.endswith(drawer_kick())  # the drawer opens after the cut, as it's torn
    assert printed.index(QR) < printed.rindex(CUT) < printed.rindex(KICK)
    assert printed.count(KICK) == 1
    assert "No se imprimió" not in window.message_label.text()
    assert rows(window, "SELECT action FROM audit_events") == []  # a sale's kick isn't "sin venta"


def test_a_card_only_sale_prints_without_opening_the_drawer(qtbot, window, ctx, small_catalog, lp0):
    ctx.printer = FilePrinter(str(lp0), 58)
    type_enter(qtbot, window, small_catalog[1].barcode)
    _pay_card(qtbot, window)
    printed = lp0.read_bytes()
    assert printed == _expected(window, window.last_receipt.sale_id, paper_mm=58)
    assert b"Tarjeta" in printed
    assert b"Ref. AUT 481516" in printed
    assert CUT in printed
    assert KICK not in printed


def test_the_printer_saved_in_the_back_room_prints_the_next_sale(qtbot, window, ctx, small_catalog, lp0):
    qtbot.keyClick(window, Qt.Key.Key_F11)
    page = window.back_room.page("Impresora")
    assert isinstance(page, PrinterPage)
    qtbot.waitUntil(lambda: page.current_label.text().startswith("Ahora:"))
    page.kind_buttons["file"].click()
    page.target.setText(str(lp0))
    page.save_button.click()
    qtbot.waitUntil(lambda: "guardada" in page.message.text())
    window.back_room.close()
    show_active(qtbot, window)
    type_enter(qtbot, window, small_catalog[0].barcode)
    _pay_cash(qtbot, window, "50")
    assert lp0.read_bytes() == _expected(window, window.last_receipt.sale_id)


# ---- an unplugged printer --------------------------------------------------------------------


def _unplugged_file(tmp_path: Path) -> Printer:
    usb = tmp_path / "usb"
    usb.mkdir()
    printer = FilePrinter(str(usb / "lp0"), 80)
    shutil.rmtree(usb)  # pulled out before the sale: the device file is gone
    return printer


def _unplugged_network(tmp_path: Path) -> Printer:
    return NetworkPrinter("127.0.0.1", _closed_port(), 80, timeout=2.0)


@pytest.mark.parametrize("unplugged", [_unplugged_file, _unplugged_network], ids=["usb", "red"])
def test_an_unplugged_printer_keeps_the_sale_and_f6_reprints_it(qtbot, window, ctx, small_catalog, lp0,
                                                                tmp_path, unplugged):
    ctx.printer = unplugged(tmp_path)
    type_enter(qtbot, window, small_catalog[0].barcode)
    _pay_cash(qtbot, window, "50")
    sale = window.last_receipt
    said = window.message_label.text()
    assert said.startswith(f"Venta {sale.folio} guardada.")
    assert "No se imprimió el ticket: La impresora no responde" in said
    assert said.endswith("Reimprímelo en Ventas (F6).")
    assert rows(window, "SELECT folio, total FROM sales") == [(sale.folio, small_catalog[0].price)]
    assert not lp0.exists()

    ctx.printer = FilePrinter(str(lp0), 80)  # plugged back in
    dialog = _history(qtbot, window)
    assert dialog.model.row(0).sale_id == sale.sale_id
    qtbot.keyClick(dialog, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: "reimpreso" in dialog.message_label.text())
    printed = lp0.read_bytes()
    assert printed == _expected(window, sale.sale_id, reprint=True)
    assert "*** REIMPRESIÓN ***".encode(CODE_PAGE) in printed
    assert "REIMPRESIÓN".encode() not in printed  # CP858 on paper, never UTF-8
    assert f"Folio: {sale.folio}".encode(CODE_PAGE) in printed
    assert KICK not in printed  # a reprint never opens the drawer
    assert rows(window, "SELECT action, subject_id, cashier_id FROM audit_events") == [
        ("reprint", str(sale.sale_id), str(ctx.session.cashier.id))]
    outbox = [r.entity for r in rows(window, "SELECT entity FROM outbox ORDER BY device_seq")]
    assert outbox[-1] == "audit_event"  # the reprint syncs like any fact


# ---- no printer: the preview ----------------------------------------------------------------


def test_without_a_printer_the_preview_doesnt_take_the_keyboard(qtbot, window, ctx, small_catalog):
    assert ctx.printer is None
    coke, water = small_catalog[0], small_catalog[6]
    type_enter(qtbot, window, coke.barcode)
    _pay_cash(qtbot, window, "50")
    sale = window.last_receipt
    preview = window.preview_dialog
    qtbot.waitUntil(lambda: preview.isVisible())
    assert isinstance(preview, PreviewDialog)
    assert not preview.isModal()
    assert f"Folio: {sale.folio}" in preview.text.toPlainText()
    assert "IVA 16%" in preview.text.toPlainText()
    assert preview.qr_label is not None
    assert QApplication.activeWindow() is window
    assert window.scan_input.hasFocus()
    type_enter(qtbot, window, water.barcode)  # the next customer's scan closes it
    assert not preview.isVisible()
    assert [ln.name for ln in window.ticket.lines] == [water.name]


# ---- the drawer without a sale ----------------------------------------------------------------


def test_ctrl_d_as_cajero_needs_the_owners_pin_kicks_and_is_audited(qtbot, window, ctx, owner, lp0):
    ctx.printer = FilePrinter(str(lp0), 80)
    pepe = as_cashier(ctx)
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    pin = window.drawer_approval
    assert isinstance(pin, PinDialog)
    enter_pin(qtbot, pin, "0000")  # his own PIN: a cajero may not
    assert "no tiene permiso" in pin.error_label.text()
    assert not lp0.exists()
    enter_pin(qtbot, pin, "1234")
    qtbot.waitUntil(lambda: window.message_label.text() == "Cajón abierto.")
    assert lp0.read_bytes() == drawer_kick()
    assert drawer_kick().startswith(KICK)
    assert rows(window, "SELECT action, cashier_id, authorized_by, detail FROM audit_events") == [
        ("open_drawer", str(pepe.id), str(owner.id), "Cajón abierto sin venta")]


def test_ctrl_d_without_a_printer_says_where_to_set_it_up(qtbot, window, ctx):
    as_cashier(ctx)
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert "No hay impresora" in window.message_label.text()
    assert getattr(window, "drawer_approval", None) is None
    assert rows(window, "SELECT action FROM audit_events") == []


# ---- a return from the history ----------------------------------------------------------------


def test_a_return_from_f6_brings_stock_back_and_prints_nothing(qtbot, window, ctx, small_catalog, lp0):
    ctx.printer = FilePrinter(str(lp0), 80)
    coke = small_catalog[0]
    type_enter(qtbot, window, f"3*{coke.barcode}")
    _pay_cash(qtbot, window, "100")
    sale = window.last_receipt
    printed = lp0.read_bytes()
    assert printed == _expected(window, sale.sale_id)
    stock = _stock(window, coke.barcode)

    dialog = _history(qtbot, window)
    qtbot.keyClick(dialog, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: isinstance(dialog.return_dialog, ReturnDialog))
    ret = dialog.return_dialog
    ret.qty_inputs[0].setText("1")
    ret.reason.setText("Venía abollada")  # setText: QtTest can't type non-ASCII
    ret.ok_button.click()
    qtbot.waitUntil(lambda: "Devolución registrada" in dialog.message_label.text())
    qtbot.waitUntil(lambda: ctx.worker.idle)
    assert _stock(window, coke.barcode) == stock + 1000
    assert rows(window, "SELECT sale_id, amount, reason FROM sale_returns") == [
        (str(sale.sale_id), coke.price, "Venía abollada")]
    assert lp0.read_bytes() == printed  # no slip and, above all, no drawer kick
    dialog.accept()  # back at the counter, the product list shows the stock that came back
    qtbot.waitUntil(lambda: _listed_stock(window, coke.barcode) == stock + 1000)
