"""What must not happen at the counter: a PIN approving twice, a line sneaking in while paying,
a stuck printer holding up sales, a sale on a closed shift, a rule skipped by a caller."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import text

from pos_client.receipts.printers import FilePrinter
from pos_client.services import accounts, cortes
from pos_client.services.accounts import CustomerDraft
from pos_client.services.sales import SaleContext, ShiftClosed, record_sale
from pos_client.services.staff import Cashier, NotAllowed
from pos_client.ui.auth import PinDialog
from pos_client.ui.qt import Qt
from shared.errors import DomainError
from shared.money import format_mxn
from shared.permissions import Permission, Role
from shared.sale import PaymentMethod, Tender
from tests.support.builders import cashier
from tests.support.qt import show_active
from tests.support.sales import ticket_for
from tests.support.till import type_enter

pytestmark = pytest.mark.unit


def _count(db, table: str) -> int:
    with db.read() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_enter_and_ok_together_approve_once(qtbot, ctx):
    granted: list[Cashier] = []
    dialog = PinDialog(ctx, "Autorización", "NIP", Permission.DISCOUNT)
    qtbot.addWidget(dialog)
    dialog.granted.connect(granted.append)
    dialog.show()
    qtbot.keyClicks(dialog.pin_input, "1234")
    gate = threading.Event()
    ctx.worker.submit(gate.wait)  # the first check waits behind this: both presses land first
    qtbot.keyClick(dialog.pin_input, Qt.Key.Key_Return)
    dialog.check()  # the OK button
    gate.set()
    qtbot.waitUntil(lambda: ctx.worker.idle)
    assert len(granted) == 1


def test_a_line_that_lands_while_paying_is_not_added(qtbot, window, small_catalog):
    coke = small_catalog[0]
    type_enter(qtbot, window, coke.barcode)
    window.charge()
    dialog = window.payment_dialog
    told = dialog.total
    window._add_line(window.products_model.product(0), 1000)  # a search finishing now
    assert window.ticket.total == told
    assert "termina de cobrar" in window.message_label.text()


def test_a_ticket_changed_under_the_dialog_is_not_charged(qtbot, window, small_catalog):
    type_enter(qtbot, window, small_catalog[0].barcode)
    window.charge()
    dialog = window.payment_dialog
    window.ticket.set_quantity(0, 2000)  # however it happened, the total is not the one told
    dialog.tenders = [Tender(PaymentMethod.CASH, 100_000)]
    dialog.accept()
    qtbot.waitUntil(lambda: window.worker.idle)
    assert _count(window.ctx.till.db, "sales") == 0
    assert "cambió mientras cobrabas" in window.message_label.text()


def test_a_stuck_printer_does_not_hold_up_the_next_sale(qtbot, window, ctx, small_catalog, tmp_path):
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)  # a printer that takes no bytes: opening it for writing blocks
    ctx.printer = FilePrinter(fifo, 80)
    for _ in range(2):
        type_enter(qtbot, window, small_catalog[0].barcode)
        before = window.last_receipt
        window.charge()
        qtbot.keyClicks(window.payment_dialog.received, "500")
        qtbot.keyClick(window.payment_dialog.received, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda b=before: window.worker.idle and window.last_receipt is not b)
        show_active(qtbot, window)
    assert _count(window.ctx.till.db, "sales") == 2
    assert not ctx.print_worker.idle  # still stuck on the first ticket
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # "paper back in": let it finish
    try:
        qtbot.waitUntil(lambda: ctx.print_worker.idle, timeout=10_000)
    finally:
        os.close(reader)


def test_a_second_shift_cannot_be_opened_on_the_same_till(ctx):
    cortes.open_shift(ctx.till, 10_000, ctx.session.cashier.id)
    with pytest.raises(DomainError, match="Ya hay un turno abierto"):
        cortes.open_shift(ctx.till, 10_000, ctx.session.cashier.id)
    assert _count(ctx.till.db, "shifts") == 1


def test_no_sale_on_a_closed_shift(ctx, small_catalog):
    shift = cortes.open_shift(ctx.till, 10_000, ctx.session.cashier.id)
    cortes.close_with_corte(ctx.till, shift, {PaymentMethod.CASH: 10_000}, None, None)
    ticket = ticket_for(ctx.till.db, small_catalog[0].barcode)
    with pytest.raises(ShiftClosed):
        record_sale(ctx.till, ticket, [Tender(PaymentMethod.CASH, 100_000)],
                    SaleContext(cashier_id=ctx.session.cashier.id, shift_id=shift))
    assert _count(ctx.till.db, "sales") == 0


def test_a_discount_needs_someone_allowed_even_without_the_screen(ctx, small_catalog):
    pepe = cashier(ctx.till, "Pepe", Role.CASHIER, "0000").id
    ticket = ticket_for(ctx.till.db, small_catalog[0].barcode, 2)
    ticket.discount_ticket(500)
    tender = [Tender(PaymentMethod.CASH, 100_000)]
    with pytest.raises(NotAllowed):
        record_sale(ctx.till, ticket, tender, SaleContext(cashier_id=pepe))
    with pytest.raises(NotAllowed):
        record_sale(ctx.till, ticket, tender, SaleContext(cashier_id=pepe, discount_by=pepe))
    assert _count(ctx.till.db, "sales") == 0
    record_sale(ctx.till, ticket, tender,
                SaleContext(cashier_id=pepe, discount_by=ctx.session.cashier.id))
    assert _count(ctx.till.db, "sales") == 1


def test_a_cashier_cannot_approve_fiado_over_the_limit(ctx, small_catalog):
    pepe = cashier(ctx.till, "Pepe", Role.CASHIER, "0000").id
    maria = accounts.save_customer(ctx.till, CustomerDraft("María", credit_limit="1.00")).id
    ticket = ticket_for(ctx.till.db, small_catalog[0].barcode)
    tender = [Tender(PaymentMethod.FIADO, ticket.total)]
    with pytest.raises(NotAllowed):
        record_sale(ctx.till, ticket, tender,
                    SaleContext(cashier_id=pepe, customer_id=maria, fiado_override_by=pepe))
    assert _count(ctx.till.db, "fiado_charges") == 0


def test_locking_the_till_closes_the_back_room(qtbot, window):
    back_room = window.show_back_room()
    back_room.page("Productos")  # opened with someone's approval
    assert back_room.isVisible()
    window.lock()
    assert not back_room.isVisible()
    assert window.back_room is None
    assert window.ctx.session is None


def test_an_abono_is_never_paid_on_fiado():
    import uuid

    from pydantic import ValidationError

    from shared.clock import utc_now
    from shared.sync.payloads import FiadoPaymentPayload

    with pytest.raises(ValidationError, match="not on fiado"):
        FiadoPaymentPayload(id=uuid.uuid4(), customer_id=uuid.uuid4(), amount=100,
                            method=PaymentMethod.FIADO, paid_at=utc_now())


def test_unusual_cash_is_charged_only_once_confirmed(qtbot, window, small_catalog):
    """Issue 12: $12,345 on a small ticket was accepted and printed a huge change. Now the
    first Enter says what the change would be; a second Enter on the same amount charges."""
    type_enter(qtbot, window, small_catalog[0].barcode)
    window.charge()
    dialog = window.payment_dialog
    due = format_mxn(dialog.cash_due)
    qtbot.keyClicks(dialog.received, "12345")
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.error_label.text().startswith(f"¿Recibiste $12,345.00 en efectivo para {due}?")
    assert dialog.charge_button.text() == "Confirmar $12,345.00 (Enter)"
    assert _count(window.ctx.till.db, "sales") == 0
    dialog.received.setText("1234")  # corrected (still unusual): asked again, not charged
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert "$1,234.00" in dialog.error_label.text()
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)  # the same amount again: confirmed
    qtbot.waitUntil(lambda: window.worker.idle and window.last_receipt is not None)
    assert _count(window.ctx.till.db, "sales") == 1
    assert window.last_receipt.change == 123_400 - small_catalog[0].price
