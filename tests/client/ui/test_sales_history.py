"""The sales history dialog, driven as a cashier would: find a sale, see its ticket, reprint it
(to a file printer, and with the printer unplugged), return part of it, cancel it."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from pos_client.receipts.printers import FilePrinter
from pos_client.services.sales import record_sale
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from pos_client.store.repositories import catalog
from pos_client.ui.auth import PinDialog
from pos_client.ui.context import Session
from pos_client.ui.printing import PreviewDialog
from pos_client.ui.qt import Qt
from pos_client.ui.sales_history import ReturnDialog, SalesHistoryDialog
from shared.permissions import Role
from shared.sale import PaymentMethod, Tender
from tests.support.builders import cashier
from tests.support.qt import show_active
from tests.support.sales import ticket_for

COKE, WATER = "7501055300075", "7501055003068"  # $22.00 and $11.00


def _sell(db, device, barcode=COKE, pieces=2):
    ticket = ticket_for(db, barcode, pieces)
    return record_sale(Till(db, device), ticket, [Tender(PaymentMethod.CASH, ticket.total)])


def _rows(db, sql, **params):
    with db.read() as conn:
        return conn.execute(text(sql), params).all()


def _stock(db, barcode):
    with db.read() as conn:
        return catalog.by_barcode(conn, barcode).stock_milli


@pytest.fixture
def history(qtbot, ctx):
    def open_dialog() -> SalesHistoryDialog:
        dialog = SalesHistoryDialog(ctx)
        qtbot.addWidget(dialog)
        dialog.resize(1024, 600)
        show_active(qtbot, dialog)
        qtbot.waitUntil(lambda: ctx.worker.idle and dialog.model.rowCount() > 0)
        qtbot.waitUntil(lambda: "Folio" in dialog.ticket.toPlainText())
        return dialog

    return open_dialog


def test_lists_sales_newest_first_shows_the_ticket_and_finds_a_folio(qtbot, ctx, history):
    first = _sell(ctx.till.db, ctx.till.device, COKE)
    second = _sell(ctx.till.db, ctx.till.device, WATER, 3)
    dialog = history()
    assert [dialog.model.row(i).folio for i in range(2)] == [second.folio, first.folio]
    assert dialog.model.index(0, 2).data() == "$33.00"
    assert f"Folio: {second.folio}" in dialog.ticket.toPlainText()
    dialog.view.selectRow(1)
    qtbot.waitUntil(lambda: f"Folio: {first.folio}" in dialog.ticket.toPlainText())
    qtbot.keyClick(dialog, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.search, str(int(first.folio.rsplit("-", 1)[1])))
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1 and dialog.model.row(0).folio == first.folio)
    qtbot.keyClicks(dialog.search, "99")
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0)
    assert "Ningún folio" in dialog.ticket.toPlainText()
    assert not dialog.reprint_button.isEnabled()
    assert not dialog.return_button.isEnabled()


def test_reprint_goes_to_the_printer_marked_and_audited(qtbot, ctx, history, tmp_path):
    sale = _sell(ctx.till.db, ctx.till.device)
    ctx.printer = FilePrinter(str(tmp_path / "lp0"), 58)
    dialog = history()
    qtbot.keyClick(dialog, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: "reimpreso" in dialog.message_label.text())
    printed = (tmp_path / "lp0").read_bytes()
    assert b"*** REIMPRESI\xe0N ***" in printed  # Ó is 0xE0 in CP858
    assert f"Folio: {sale.folio}".encode() in printed
    assert b"\x1bp\x00" not in printed  # a reprint never opens the drawer
    assert _rows(ctx.till.db, "SELECT action, subject_id, cashier_id FROM audit_events") == [
        ("reprint", str(sale.sale_id), str(ctx.session.cashier.id))]


def test_reprint_without_a_printer_shows_the_preview(qtbot, ctx, history):
    sale = _sell(ctx.till.db, ctx.till.device)
    dialog = history()
    dialog.reprint_button.click()
    qtbot.waitUntil(lambda: isinstance(dialog.preview_dialog, PreviewDialog))
    assert "REIMPRESIÓN" in dialog.preview_dialog.text.toPlainText()
    assert sale.folio in dialog.preview_dialog.text.toPlainText()


def test_an_unplugged_printer_offers_to_reprint_and_keeps_the_sale(qtbot, ctx, history, tmp_path):
    _sell(ctx.till.db, ctx.till.device)
    gone = tmp_path / "usb"
    gone.mkdir()
    ctx.printer = FilePrinter(str(gone / "lp0"))
    shutil.rmtree(gone)
    dialog = history()
    qtbot.keyClick(dialog, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: "no responde" in dialog.message_label.text())
    assert "Reimprimir (F4)" in dialog.message_label.text()
    assert len(_rows(ctx.till.db, "SELECT id FROM sales")) == 1


def test_old_messages_go_when_their_moment_passes(qtbot, ctx, history):
    """Issue 12: "Reimprimiendo…" stayed for good with no printer (the copy is the preview),
    and a message about one sale stayed beside the next one chosen."""
    _sell(ctx.till.db, ctx.till.device)
    _sell(ctx.till.db, ctx.till.device)
    dialog = history()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    dialog.reprint_button.click()
    qtbot.waitUntil(lambda: isinstance(dialog.preview_dialog, PreviewDialog))
    assert dialog.message_label.text() == ""
    dialog.preview_dialog.close()
    dialog.say("Algo sobre la venta de arriba.")
    dialog.view.selectRow(1)
    qtbot.waitUntil(lambda: dialog.message_label.text() == "")


def test_a_partial_return_asks_quantity_and_reason_and_brings_stock_back(qtbot, ctx, history):
    sale = _sell(ctx.till.db, ctx.till.device, COKE, 3)
    stock = _stock(ctx.till.db, COKE)
    dialog = history()
    qtbot.keyClick(dialog, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: isinstance(dialog.return_dialog, ReturnDialog))
    ret = dialog.return_dialog
    qtbot.keyClicks(ret.qty_inputs[0], "1")
    ret.ok_button.click()
    assert ret.error_label.text() == "Escribe el motivo."
    qtbot.keyClicks(ret.reason, "Venia abollada")  # QtTest types ASCII only
    ret.qty_inputs[0].setText("4")  # more than was sold
    ret.ok_button.click()
    qtbot.waitUntil(lambda: "no tiene tanto" in ret.error_label.text())
    ret.qty_inputs[0].setText("1.5")  # pieces are whole
    ret.ok_button.click()
    assert "por pieza" in ret.error_label.text()
    assert _rows(ctx.till.db, "SELECT id FROM sale_returns") == []
    ret.qty_inputs[0].setText("1")
    ret.ok_button.click()
    qtbot.waitUntil(lambda: "Devolución registrada" in dialog.message_label.text())
    assert "entrega $22.00 en efectivo" in dialog.message_label.text()
    assert _rows(ctx.till.db, "SELECT sale_id, amount, refund_method, reason, cashier_id FROM sale_returns") \
        == [(str(sale.sale_id), 2200, "efectivo", "Venia abollada", str(ctx.session.cashier.id))]
    assert _rows(ctx.till.db, "SELECT line_no, qty_milli, amount FROM sale_return_lines") == [(1, 1000, 2200)]
    assert _stock(ctx.till.db, COKE) == stock + 1000
    assert _rows(ctx.till.db, "SELECT action, authorized_by FROM audit_events") == [
        ("return", str(ctx.session.cashier.id))]
    qtbot.waitUntil(lambda: dialog.model.index(0, 4).data() == "Con devolución")
    qtbot.waitUntil(lambda: "DEVOLUCIONES" in dialog.ticket.toPlainText())


def test_a_cashier_cancels_with_the_owners_pin(qtbot, ctx, history, owner):
    sale = _sell(ctx.till.db, ctx.till.device, WATER, 2)
    pepe_id = cashier(ctx.till, "Pepe", Role.CASHIER, "5678").id
    ctx.session = Session(Cashier(pepe_id, "Pepe", Role.CASHIER))
    dialog = history()
    qtbot.keyClick(dialog, Qt.Key.Key_F9)
    pin = dialog.pin_dialog
    assert isinstance(pin, PinDialog)
    assert dialog.return_dialog is None
    qtbot.keyClicks(pin.pin_input, "5678")  # Pepe's own PIN: he may not cancel
    qtbot.keyClick(pin.pin_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "no tiene permiso" in pin.error_label.text(), timeout=10_000)
    qtbot.keyClicks(pin.pin_input, "1234")
    qtbot.keyClick(pin.pin_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(dialog.return_dialog, ReturnDialog), timeout=10_000)
    ret = dialog.return_dialog
    assert [q.text() for q in ret.qty_inputs] == ["2"]
    assert not ret.qty_inputs[0].isEnabled()
    qtbot.keyClicks(ret.reason, "Se equivoco de producto")
    qtbot.keyClick(ret.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Venta cancelada" in dialog.message_label.text())
    assert _rows(ctx.till.db, "SELECT amount, cashier_id FROM sale_returns") == [(2200, str(pepe_id))]
    assert _rows(ctx.till.db, "SELECT action, cashier_id, authorized_by, subject_id FROM audit_events") == [
        ("cancel", str(pepe_id), str(owner.id), str(sale.sale_id))]
    entities = [r.entity for r in _rows(ctx.till.db, "SELECT entity FROM outbox ORDER BY device_seq")]
    assert entities[-2:] == ["sale_return", "audit_event"]
    qtbot.waitUntil(lambda: dialog.model.index(0, 4).data() == "Cancelada")
    assert not dialog.cancel_button.isEnabled()
    assert not dialog.return_button.isEnabled()
    assert dialog.reprint_button.isEnabled()


def test_a_return_shows_where_the_money_goes_and_the_cashier_may_split_it(qtbot, ctx, history):
    """A $44.00 sale paid $30.00 by card and $14.00 cash: by default the card takes back what
    it paid first; the cashier may give less back to the card (with the terminal's reference)
    and the rest in cash, never more to the card than it paid."""
    ticket = ticket_for(ctx.till.db, COKE, 2)
    record_sale(ctx.till, ticket, [Tender(PaymentMethod.CARD, 3000, "AUT 1"),
                                   Tender(PaymentMethod.CASH, 1400)])
    dialog = history()
    qtbot.keyClick(dialog, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: isinstance(dialog.return_dialog, ReturnDialog))
    ret = dialog.return_dialog
    assert ret.refund.summary.text() == "Nada que devolver todavía."
    qtbot.keyClicks(ret.qty_inputs[0], "1")
    assert ret.refund.summary.text() == "$22.00 a tarjeta"
    ret.qty_inputs[0].setText("2")
    assert ret.refund.summary.text() == "$30.00 a tarjeta y entrega $14.00 en efectivo"
    qtbot.keyClicks(ret.refund.transfer, "50")
    assert ret.refund.summary.text() == "A tarjeta y transferencia va más de lo que se devuelve."
    ret.refund.transfer.clear()
    qtbot.keyClicks(ret.refund.card, "20")
    qtbot.keyClicks(ret.refund.reference, "AUT 2")
    assert ret.refund.summary.text() == "$20.00 a tarjeta y entrega $24.00 en efectivo"
    qtbot.keyClicks(ret.reason, "No le gusto")
    ret.refund.card.setText("31")  # more than the card paid: the rule refuses it
    ret.ok_button.click()
    qtbot.waitUntil(lambda: "A tarjeta solo se puede devolver" in ret.error_label.text())
    assert _rows(ctx.till.db, "SELECT id FROM sale_returns") == []
    ret.refund.card.setText("20")
    ret.ok_button.click()
    qtbot.waitUntil(lambda: "Devolución registrada" in dialog.message_label.text())
    assert "$20.00 a tarjeta y entrega $24.00 en efectivo" in dialog.message_label.text()
    assert _rows(ctx.till.db, "SELECT amount, refund_card, refund_transfer, refund_reference, "
                 "refund_method FROM sale_returns") == [(4400, 2000, 0, "AUT 2", "efectivo")]
