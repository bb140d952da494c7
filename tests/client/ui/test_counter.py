"""The counter as a cashier drives it: log in, park, discounts, mixed payments, fiado, común,
unknown codes, scale labels, mayoreo. Each test checks the SQLite rows, not only the screen."""

from __future__ import annotations

import json

import pytest

from pos_client.services import accounts
from pos_client.services.accounts import CustomerDraft
from pos_client.services.till import Till
from pos_client.store.repositories import catalog
from pos_client.ui.counter_dialogs import UnknownBarcodeDialog
from pos_client.ui.main_window import MainWindow
from pos_client.ui.qt import Qt
from shared.scale import ean13_check_digit
from tests.support.backroom import edit_product
from tests.support.qt import show_active
from tests.support.till import as_cashier, enter_pin, pay_cash, rows, scanner_typing, type_enter

pytestmark = pytest.mark.unit


# ---- parked tickets ------------------------------------------------------------------------


def test_a_parked_ticket_waits_on_disk_and_comes_back(qtbot, window, small_catalog):
    coke, other = small_catalog[0], small_catalog[1]
    type_enter(qtbot, window, f"2*{coke.barcode}")
    qtbot.keyClick(window, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: window.worker.idle)
    assert window.ticket.lines == []
    stored = rows(window, "SELECT body FROM parked_tickets")
    assert [(ln["name"], ln["qty_milli"]) for ln in json.loads(stored[0].body)["lines"]] == [
        (coke.name, 2000)]

    type_enter(qtbot, window, other.barcode)  # the next customer pays first
    window.charge()
    pay_cash(qtbot, window, "500")

    qtbot.keyClick(window, Qt.Key.Key_F7)  # empty ticket: F7 lists the ones on hold
    qtbot.waitUntil(lambda: getattr(window, "parked_dialog", None) is not None)
    qtbot.keyClick(window.parked_dialog.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.worker.idle and len(window.ticket.lines) == 1)
    assert [(ln.name, ln.qty_milli) for ln in window.ticket.lines] == [(coke.name, 2000)]
    assert rows(window, "SELECT count(*) FROM parked_tickets")[0][0] == 0
    # Issue 12: the paying customer's "Cambio: …" is not left beside the ticket taken back.
    assert window.message_label.text() == "Ticket retomado: 1 renglón."


# ---- payments ------------------------------------------------------------------------------


def test_card_and_cash_on_one_ticket(qtbot, window, small_catalog):
    coke = small_catalog[0]
    type_enter(qtbot, window, f"3*{coke.barcode}")
    total = 3 * coke.price
    window.charge()
    dialog = window.payment_dialog
    dialog.card_button.click()  # F2
    card = dialog.tender_dialog
    card.amount.setText("20")
    qtbot.keyClicks(card.reference, "AUT 481516")
    qtbot.keyClick(card.reference, Qt.Key.Key_Return)
    assert dialog.due_label.text() == f"Falta en efectivo: ${(total - 2000) / 100:,.2f}"
    pay_cash(qtbot, window, "100")
    payments = rows(window, "SELECT method, amount, tendered, reference FROM sale_payments "
                     "ORDER BY payment_no")
    assert [tuple(p) for p in payments] == [("tarjeta", 2000, 2000, "AUT 481516"),
                                            ("efectivo", total - 2000, 10_000, None)]
    assert window.last_receipt.change == 10_000 - (total - 2000)


def test_a_transfer_needs_its_reference(qtbot, window, small_catalog):
    type_enter(qtbot, window, small_catalog[0].barcode)
    window.charge()
    dialog = window.payment_dialog
    dialog.transfer_button.click()  # F3
    transfer = dialog.tender_dialog
    qtbot.keyClick(transfer.reference, Qt.Key.Key_Return)
    assert "referencia" in transfer.error_label.text()
    qtbot.keyClicks(transfer.reference, "MBAN01002611270001")
    qtbot.keyClick(transfer.reference, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)  # nothing left to pay in cash
    qtbot.waitUntil(lambda: window.worker.idle and window.last_receipt is not None)
    assert [tuple(r) for r in rows(window, "SELECT method, reference FROM sale_payments")] == [
        ("transferencia", "MBAN01002611270001")]


def test_more_card_than_the_total_is_refused(qtbot, window, small_catalog):
    type_enter(qtbot, window, small_catalog[0].barcode)
    window.charge()
    dialog = window.payment_dialog
    dialog.card_button.click()
    dialog.tender_dialog.amount.setText("100000")
    qtbot.keyClick(dialog.tender_dialog.amount, Qt.Key.Key_Return)
    assert "pasa de lo que falta" in dialog.error_label.text()
    assert dialog.others == []


def test_fiado_within_the_limit_charges_the_account(qtbot, window, ctx, small_catalog):
    coke = small_catalog[0]
    maria = accounts.save_customer(ctx.till, CustomerDraft("María López", "+525512345678", "1000")).id
    type_enter(qtbot, window, f"2*{coke.barcode}")
    window.charge()
    dialog = window.payment_dialog
    dialog.set_customer(maria, "María López", 100_000)
    dialog.fiado_button.click()  # F4
    qtbot.keyClick(dialog.tender_dialog.amount, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.worker.idle and window.last_receipt is not None)
    sale = rows(window, "SELECT id, customer_id, cashier_id, shift_id FROM sales")[0]
    assert sale.customer_id == str(maria)
    assert sale.cashier_id == str(ctx.session.cashier.id)
    assert sale.shift_id == str(ctx.session.shift_id)
    charge = rows(window, "SELECT amount, sale_id FROM fiado_charges")
    assert [tuple(c) for c in charge] == [(2 * coke.price, sale.id)]


def test_fiado_over_the_limit_needs_someone_allowed(qtbot, window, ctx, small_catalog):
    coke = small_catalog[0]
    owner = ctx.session.cashier
    maria = accounts.save_customer(ctx.till, CustomerDraft("María López", credit_limit="10")).id
    as_cashier(ctx)
    type_enter(qtbot, window, coke.barcode)
    window.charge()
    dialog = window.payment_dialog
    dialog.set_customer(maria, "María López", 1_000)
    dialog.fiado_button.click()  # F4
    qtbot.keyClick(dialog.tender_dialog.amount, Qt.Key.Key_Return)
    approval = dialog.approval
    assert "crédito disponible" in dialog.error_label.text()
    enter_pin(qtbot, approval, "0000")  # the cashier's own PIN is not enough
    assert "no tiene permiso" in approval.error_label.text()
    assert dialog.others == []
    enter_pin(qtbot, approval, "1234")  # the owner approves
    qtbot.waitUntil(lambda: len(dialog.others) == 1)
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.worker.idle and window.last_receipt is not None)
    audit = rows(window, "SELECT action, authorized_by FROM audit_events")
    assert [tuple(a) for a in audit] == [("fiado_override", str(owner.id))]
    assert rows(window, "SELECT amount FROM fiado_charges")[0][0] == coke.price


# ---- discounts -----------------------------------------------------------------------------


def test_a_cashier_discount_needs_a_pin_and_is_audited(qtbot, window, ctx, small_catalog):
    coke = small_catalog[0]
    owner = ctx.session.cashier
    as_cashier(ctx)
    type_enter(qtbot, window, f"4*{coke.barcode}")
    qtbot.keyClick(window, Qt.Key.Key_F4)
    enter_pin(qtbot, window.discount_approval, "1234")
    qtbot.waitUntil(lambda: getattr(window, "discount_dialog", None) is not None)
    discount = window.discount_dialog
    qtbot.keyClicks(discount.amount, "150%")
    qtbot.keyClick(discount.amount, Qt.Key.Key_Return)
    assert "entre 0 y 100" in discount.error_label.text()
    discount.amount.setText("10%")
    qtbot.keyClick(discount.amount, Qt.Key.Key_Return)
    gross = 4 * coke.price
    off = (gross + 5) // 10
    assert window.ticket.total == gross - off
    window.charge()
    pay_cash(qtbot, window, "500")
    line = rows(window, "SELECT unit_price, total, discount FROM sale_lines")[0]
    assert tuple(line) == (coke.price, gross - off, off)
    audit = rows(window, "SELECT action, authorized_by FROM audit_events")
    assert [tuple(a) for a in audit] == [("discount", str(owner.id))]


def test_a_ticket_discount_is_shared_among_the_lines(qtbot, window, small_catalog):
    for p in small_catalog[:3]:
        type_enter(qtbot, window, p.barcode)
    before = window.ticket.total
    qtbot.keyClick(window, Qt.Key.Key_F4)  # the owner may: no PIN asked
    discount = window.discount_dialog
    discount.on_ticket.setChecked(True)
    qtbot.keyClicks(discount.amount, "7.01")
    qtbot.keyClick(discount.amount, Qt.Key.Key_Return)
    assert window.ticket.total == before - 701
    assert sum(ln.discount for ln in window.ticket.lines) == 701
    assert all(ln.discount > 0 for ln in window.ticket.lines)


# ---- items ---------------------------------------------------------------------------------


def test_mayoreo_price_from_the_threshold(qtbot, window, ctx, small_catalog):
    coke = small_catalog[0]
    with ctx.till.db.read() as conn:
        product = catalog.by_barcode(conn, coke.barcode)
    edit_product(ctx.till, product.id, wholesale_price=coke.price - 200,
                          wholesale_min_milli=6000)
    type_enter(qtbot, window, f"5*{coke.barcode}")
    assert window.ticket.lines[0].unit_price == coke.price
    type_enter(qtbot, window, coke.barcode)  # the sixth: the whole line goes to mayoreo
    assert window.ticket.lines[0].unit_price == coke.price - 200
    assert "mayoreo" in window.message_label.text()
    qtbot.keyClick(window.scan_input, Qt.Key.Key_Minus)  # back to five
    assert window.ticket.lines[0].unit_price == coke.price


def test_a_sale_line_keeps_the_cost_it_was_sold_at(qtbot, window, ctx, small_catalog):
    coke = small_catalog[0]
    with ctx.till.db.read() as conn:
        product = catalog.by_barcode(conn, coke.barcode)
    edit_product(ctx.till, product.id, cost=1450)
    type_enter(qtbot, window, f"2*{coke.barcode}")
    qtbot.keyClick(window, Qt.Key.Key_F3)  # and a producto común: no cost known
    window.common_dialog.name.setText("Recarga")
    window.common_dialog.price.setText("20")
    qtbot.keyClick(window.common_dialog.price, Qt.Key.Key_Return)
    window.charge()
    pay_cash(qtbot, window, "500")
    edit_product(ctx.till, product.id, cost=1600)  # later price rise
    lines = rows(window, "SELECT product_id, qty_milli, cost FROM sale_lines ORDER BY line_no")
    assert [tuple(ln) for ln in lines] == [(str(product.id), 2000, 1450), (None, 1000, None)]
    body = rows(window, "SELECT body FROM outbox WHERE entity = 'sale'")[0].body
    assert [ln["cost"] for ln in json.loads(body)["payload"]["lines"]] == [1450, None]


def test_plus_and_minus_change_the_selected_line(qtbot, window, small_catalog):
    type_enter(qtbot, window, small_catalog[0].barcode)
    qtbot.keyClick(window.scan_input, Qt.Key.Key_Plus)
    qtbot.keyClick(window.scan_input, Qt.Key.Key_Plus)
    assert window.ticket.lines[0].qty_milli == 3000
    qtbot.keyClick(window.scan_input, Qt.Key.Key_Minus)
    assert window.ticket.lines[0].qty_milli == 2000
    assert window.scan_input.text() == ""


def test_producto_comun_sells_at_a_typed_price(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_F3)
    dialog = window.common_dialog
    qtbot.keyClicks(dialog.price, "-5")
    qtbot.keyClick(dialog.price, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.error_label.text().strip()
    dialog.price.setText("999999999")
    qtbot.keyClick(dialog.price, Qt.Key.Key_Return)
    assert "demasiado grande" in dialog.error_label.text()
    dialog.name.setText("Recarga de gas")
    dialog.price.setText("25.50")
    qtbot.keyClick(dialog.price, Qt.Key.Key_Return)
    window.charge()
    pay_cash(qtbot, window, "30")
    line = rows(window, "SELECT product_id, name, total FROM sale_lines")[0]
    assert tuple(line) == (None, "Recarga de gas", 2550)


def test_an_unknown_barcode_can_be_sold_as_comun(qtbot, window):
    type_enter(qtbot, window, "7509999999991")
    assert "No encontré el código 7509999999991" in window.message_label.text()
    window.unknown_dialog.common_button.click()
    dialog = window.common_dialog
    qtbot.keyClicks(dialog.price, "12")
    qtbot.keyClick(dialog.price, Qt.Key.Key_Return)
    assert [(ln.product_id, ln.unit_price) for ln in window.ticket.lines] == [(None, 1200)]


def test_an_unknown_barcode_can_be_created_on_the_spot(qtbot, window):
    type_enter(qtbot, window, "7509999999991")
    assert isinstance(window.unknown_dialog, UnknownBarcodeDialog)
    window.unknown_dialog.create_button.click()  # the owner may edit the catalog: no PIN
    dialog = window.new_product_dialog
    qtbot.keyClicks(dialog.name, "Chicles Canel's")
    qtbot.keyClicks(dialog.price, "3.50")
    qtbot.keyClick(dialog.price, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.worker.idle and len(window.ticket.lines) == 1)
    with window.ctx.till.db.read() as conn:
        product = catalog.by_barcode(conn, "7509999999991")
    assert (product.name, product.price) == ("Chicles Canel's", 350)
    assert window.ticket.lines[0].product_id == product.id
    assert [r.entity for r in rows(window, "SELECT entity FROM outbox ORDER BY device_seq")][-2:] == [
        "product", "audit_event"]
    type_enter(qtbot, window, "7509999999991")  # from now on it simply scans
    assert window.ticket.lines[0].qty_milli == 2000


def test_absurd_quantities_are_refused_in_spanish(qtbot, window, small_catalog):
    type_enter(qtbot, window, f"99999*{small_catalog[0].barcode}")
    assert window.ticket.lines == []
    assert "no es una cantidad válida" in window.message_label.text()
    type_enter(qtbot, window, f"9000*{small_catalog[0].barcode}")
    type_enter(qtbot, window, f"1000*{small_catalog[0].barcode}")  # 10,000 pieces on one line
    assert window.ticket.lines[0].qty_milli == 9_000_000
    assert "demasiado grande" in window.message_label.text()


def _label(prefix: int, plu: str, value: int) -> str:
    body = f"{prefix}{plu}{value:05d}"
    return body + str(ean13_check_digit(body))


def test_scale_labels_sell_the_printed_weight_or_price(qtbot, window, ctx, small_catalog):
    ham = next(p for p in small_catalog if p.sold_by_weight)
    with ctx.till.db.read() as conn:
        product = catalog.by_barcode(conn, ham.barcode)
    edit_product(ctx.till, product.id, barcodes=[ham.barcode, "00042"])
    type_enter(qtbot, window, _label(20, "00042", 375))  # 375 g
    type_enter(qtbot, window, _label(26, "00042", 4590))  # a piece priced $45.90 by the scale
    lines = window.ticket.lines
    assert (lines[0].product_id, lines[0].qty_milli) == (product.id, 375)
    assert (lines[1].product_id, lines[1].total) == (product.id, 4590)
    assert not hasattr(window, "weight_dialog")  # the label carries the weight: nothing asked
    type_enter(qtbot, window, _label(20, "00042", 375)[:-1] + "0")  # misread check digit
    assert len(window.ticket.lines) == 2


def test_a_scanner_burst_with_letters_is_looked_up_as_a_code(qtbot, window, ctx, small_catalog):
    with ctx.till.db.read() as conn:
        product = catalog.by_barcode(conn, small_catalog[3].barcode)
    edit_product(ctx.till, product.id,
                          barcodes=[small_catalog[3].barcode, "ABC-123"])
    scanner_typing(window)
    type_enter(qtbot, window, "ABC-123")
    assert [ln.product_id for ln in window.ticket.lines] == [product.id]
    qtbot.keyClick(window.scan_input, Qt.Key.Key_Return)  # a scanner's extra Enter
    assert not hasattr(window, "payment_dialog")


# ---- log-in and shift ----------------------------------------------------------------------


def test_a_new_shop_creates_its_owner_then_opens_the_shift(qtbot, store, device, worker):
    from pos_client.ui.context import AppContext

    win = MainWindow(AppContext(Till(store, device), worker))
    qtbot.addWidget(win)
    win.show()
    win.start_session()
    qtbot.waitUntil(lambda: getattr(win, "owner_dialog", None) is not None)
    owner = win.owner_dialog
    owner.name.setText("Doña Mary")  # keyClicks aborts Qt on non-ASCII text
    qtbot.keyClicks(owner.pin, "1234")
    qtbot.keyClicks(owner.pin2, "4321")
    qtbot.keyClick(owner.pin2, Qt.Key.Key_Return)
    assert "no coinciden" in owner.error_label.text()
    owner.pin2.setText("1234")
    qtbot.keyClick(owner.pin2, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: getattr(win, "shift_dialog", None) is not None)
    qtbot.keyClicks(win.shift_dialog.float_amount, "-100")
    qtbot.keyClick(win.shift_dialog.float_amount, Qt.Key.Key_Return)
    assert "negativo" in win.shift_dialog.error_label.text()
    win.shift_dialog.float_amount.setText("750")
    qtbot.keyClick(win.shift_dialog.float_amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: worker.idle and win.ctx.session.shift_id is not None)
    opened = rows(win, "SELECT c.name, c.role, s.float_amount FROM shifts s "
                       "JOIN cashiers c ON c.id = s.cashier_id")
    assert [tuple(r) for r in opened] == [("Doña Mary", "dueno", 75_000)]
    assert win.session_label.text().startswith("Atiende: Doña Mary · turno abierto")  # not "Cajero"
    win.close()


def test_no_sale_without_an_open_shift(qtbot, stocked, device, worker, owner, small_catalog):
    from pos_client.ui.context import AppContext, Session

    win = MainWindow(AppContext(Till(stocked, device), worker, Session(owner)))
    qtbot.addWidget(win)
    show_active(qtbot, win)
    type_enter(qtbot, win, small_catalog[0].barcode)
    # Issue 12: not even a scan goes on a ticket without a shift: the float is asked first.
    qtbot.waitUntil(lambda: hasattr(win, "shift_dialog") and win.shift_dialog.isVisible())
    assert win.ticket.lines == []
    assert "Abre el turno" in win.message_label.text()
    win.shift_dialog.reject()
    win.charge()
    assert not hasattr(win, "payment_dialog")
    win.close()


def test_a_wrong_pin_does_not_log_in(qtbot, stocked, device, worker, owner):
    from pos_client.ui.context import AppContext

    win = MainWindow(AppContext(Till(stocked, device), worker))
    qtbot.addWidget(win)
    win.show()
    win.start_session()
    qtbot.waitUntil(lambda: getattr(win, "login_dialog", None) is not None)
    enter_pin(qtbot, win.login_dialog, "9999")
    assert win.login_dialog.error_label.text() == "NIP incorrecto."
    assert win.ctx.session is None
    enter_pin(qtbot, win.login_dialog, "1234")
    qtbot.waitUntil(lambda: worker.idle and win.ctx.session is not None)
    assert win.ctx.session.cashier.id == owner.id
    win.close()


def test_a_parked_ticket_keeps_who_approved_its_discount(qtbot, window, ctx, small_catalog):
    owner = ctx.session.cashier
    as_cashier(ctx)
    type_enter(qtbot, window, f"2*{small_catalog[0].barcode}")
    qtbot.keyClick(window, Qt.Key.Key_F4)
    enter_pin(qtbot, window.discount_approval, "1234")
    qtbot.waitUntil(lambda: getattr(window, "discount_dialog", None) is not None)
    window.discount_dialog.amount.setText("5")
    qtbot.keyClick(window.discount_dialog.amount, Qt.Key.Key_Return)
    show_active(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F7)  # set aside…
    qtbot.waitUntil(lambda: window.worker.idle and not window.ticket.lines)
    qtbot.keyClick(window, Qt.Key.Key_F7)  # …and back
    qtbot.waitUntil(lambda: getattr(window, "parked_dialog", None) is not None)
    qtbot.keyClick(window.parked_dialog.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.worker.idle and len(window.ticket.lines) == 1)
    window.charge()
    pay_cash(qtbot, window, "100")
    audit = rows(window, "SELECT action, authorized_by FROM audit_events")
    assert [tuple(a) for a in audit] == [("discount", str(owner.id))]


def test_fiado_picks_the_customer_from_the_counter(qtbot, window, ctx, small_catalog):
    """F4 in the payment dialog: search the customer, see the credit, charge it to the account."""
    coke = small_catalog[0]
    accounts.save_customer(ctx.till, CustomerDraft("Pedro Páramo", "+525598765432", "1000"))
    maria = accounts.save_customer(ctx.till, CustomerDraft("María López", "+525512345678", "1000")).id
    type_enter(qtbot, window, f"3*{coke.barcode}")
    window.charge()
    dialog = window.payment_dialog
    dialog.fiado_button.click()
    picker = dialog.customer_picker
    qtbot.keyClicks(picker.search, "Mar")
    qtbot.waitUntil(lambda: ctx.worker.idle and picker.model.rowCount() == 1)
    assert "Alcanza" in picker.fit.text()
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: getattr(dialog, "tender_dialog", None) is not None)
    assert dialog.customer_id == maria
    qtbot.keyClick(dialog.tender_dialog.amount, Qt.Key.Key_Return)  # the whole ticket
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.worker.idle and window.last_receipt is not None)
    assert [tuple(r) for r in rows(window, "SELECT customer_id, amount FROM fiado_charges")] == [
        (str(maria), 3 * coke.price)]
    assert rows(window, "SELECT customer_id FROM sales")[0][0] == str(maria)
