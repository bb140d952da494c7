"""The corte dialog and the shifts page, driven through their widgets on a real SQLite file."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from pos_client.receipts.document import Document
from pos_client.receipts.text import render_text
from pos_client.services import cortes
from pos_client.services.staff import Cashier
from pos_client.store.repositories import outbox
from pos_client.store.schema import audit_events, cash_movements, shift_closes
from pos_client.ui.auth import PinDialog
from pos_client.ui.backroom.cortes_page import CashMovementDialog, CortesPage
from pos_client.ui.context import AppContext
from pos_client.ui.corte_dialog import CorteDialog
from pos_client.ui.qt import Qt
from shared.corte import pending_text
from shared.permissions import Role
from shared.sale import PaymentMethod
from tests.client.services.test_cortes import sell
from tests.support.builders import cashier

CASH, CARD, TRANSFER = PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER


class RecordingPrinter:
    """A printer that keeps what it was sent (the Printer protocol)."""

    def __init__(self) -> None:
        self.documents: list[Document] = []
        self.drawer_kicks = 0

    def print_document(self, document: Document) -> None:
        self.documents.append(document)

    def open_drawer(self) -> None:
        self.drawer_kicks += 1


@pytest.fixture
def printer(ctx: AppContext) -> RecordingPrinter:
    ctx.printer = printer = RecordingPrinter()
    return printer


@pytest.fixture
def shift(ctx: AppContext, owner: Cashier) -> uuid.UUID:
    """A $500 float, a cash sale of $120.50 and a card sale of $80: $620.50 expected in cash."""
    shift_id = cortes.open_shift(ctx.till, 50_000, owner.id)
    sell(ctx.till, shift_id, [(CASH, 12_050, 20_000)])
    sell(ctx.till, shift_id, [(CARD, 8_000, 8_000)])
    assert ctx.session is not None
    ctx.session.shift_id = shift_id
    return shift_id


def pending_rows(ctx: AppContext) -> int:
    with ctx.till.db.read() as conn:
        return outbox.counts(conn).pending


def loaded_dialog(qtbot, ctx: AppContext, shift_id: uuid.UUID, kind: str) -> CorteDialog:  # type: ignore[no-untyped-def]
    dialog = CorteDialog(ctx, shift_id, kind)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.confirm_button.isEnabled())
    return dialog


def closes(ctx: AppContext) -> list[str]:
    with ctx.till.db.read() as conn:
        return list(conn.execute(select(shift_closes.c.counted)).scalars())


def test_a_short_corte_z_shows_red_closes_offline_and_prints_the_numbers(
    qtbot, ctx: AppContext, shift: uuid.UUID, printer: RecordingPrinter  # type: ignore[no-untyped-def]
) -> None:
    dialog = loaded_dialog(qtbot, ctx, shift, "Z")
    assert dialog.expected_labels[CASH].text() == "$620.50"
    assert dialog.expected_labels[CARD].text() == "$80.00"
    # There is no server in tests: every change so far waits, and the dialog says how many.
    pending = pending_rows(ctx)
    assert pending > 0
    assert dialog.pending_label.text() == (f"Quedan {pending} cambios por sincronizar; salen "
                                           "con la próxima sincronización.")
    qtbot.keyClicks(dialog.counted_inputs[CASH], "610.50")
    assert dialog.diff_labels[CASH].text() == "Faltante $10.00"
    assert "#b00020" in dialog.diff_labels[CASH].styleSheet()
    qtbot.keyClicks(dialog.counted_inputs[CARD], "80")
    assert dialog.diff_labels[CARD].text() == "Cuadra"
    dialog.note.setText("Faltó un billete de $10")  # QTest types ASCII only
    with qtbot.waitSignal(dialog.saved):
        qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(printer.documents) == 1)
    text = render_text(printer.documents[0], 58)
    assert "CORTE Z" in text
    assert "Esperado $620.50" in " ".join(text.split())
    assert "Contado $610.50" in " ".join(text.split())
    assert "Faltante $10.00" in text
    assert "Faltó un billete de $10" in text
    # The close and its audit are two more changes waiting.
    assert f"Quedan {pending + 2} cambios por sincronizar" in " ".join(text.split())
    assert closes(ctx) == ['[{"method": "efectivo", "amount": 61050}, '
                           '{"method": "tarjeta", "amount": 8000}, '
                           '{"method": "transferencia", "amount": 0}]']
    assert pending_rows(ctx) == pending + 2
    assert ctx.session is not None
    assert ctx.session.shift_id is None


def test_corte_z_refuses_a_missing_or_bad_count_and_writes_nothing(
    qtbot, ctx: AppContext, shift: uuid.UUID, printer: RecordingPrinter  # type: ignore[no-untyped-def]
) -> None:
    dialog = loaded_dialog(qtbot, ctx, shift, "Z")
    dialog.confirm_button.click()
    assert dialog.error_label.text() == "Escribe lo contado en Efectivo."
    qtbot.keyClicks(dialog.counted_inputs[CASH], "620.50")
    dialog.confirm_button.click()
    assert dialog.error_label.text() == "Escribe lo contado en Tarjeta."  # card took money
    qtbot.keyClicks(dialog.counted_inputs[CARD], "ochenta")
    assert dialog.diff_labels[CARD].text() == "Importe no válido"
    dialog.confirm_button.click()
    assert "no es un importe válido" in dialog.error_label.text()
    assert closes(ctx) == []
    assert printer.documents == []
    assert dialog.isVisible()


def test_the_denomination_grid_fills_the_cash_count(
    qtbot, ctx: AppContext, shift: uuid.UUID, printer: RecordingPrinter  # type: ignore[no-untyped-def]
) -> None:
    dialog = loaded_dialog(qtbot, ctx, shift, "Z")
    dialog.by_denomination.click()
    assert dialog.denominations_box.isVisible()
    assert dialog.counted_inputs[CASH].isReadOnly()
    for label, pieces in (("Billete $500", "1"), ("Billete $50", "2"), ("Billete $20", "1"),
                          ("Moneda $20", "-"), ("Moneda $0.50", "1")):
        qtbot.keyClicks(dialog.denomination_inputs[label][1], pieces)
    assert "sin letras ni signos" in dialog.denomination_total.text()
    dialog.confirm_button.click()
    assert dialog.error_label.text() == "Corrige el conteo de billetes y monedas."
    dialog.denomination_inputs["Moneda $20"][1].setText("")
    assert dialog.denomination_total.text() == "Total en efectivo: $620.50"
    assert dialog.counted_inputs[CASH].text() == "$620.50"
    assert dialog.diff_labels[CASH].text() == "Cuadra"
    dialog.denomination_inputs["Moneda $1"][1].setText("99999")
    assert "Revisa el conteo" in dialog.denomination_total.text()
    assert closes(ctx) == []


def test_corte_x_prints_and_leaves_the_shift_open(
    qtbot, ctx: AppContext, shift: uuid.UUID, printer: RecordingPrinter  # type: ignore[no-untyped-def]
) -> None:
    dialog = loaded_dialog(qtbot, ctx, shift, "X")
    qtbot.keyClicks(dialog.counted_inputs[CASH], "700")
    assert dialog.diff_labels[CASH].text() == "Sobrante $79.50"
    with qtbot.waitSignal(dialog.saved):
        dialog.confirm_button.click()  # card left empty: an X takes what was typed
    qtbot.waitUntil(lambda: len(printer.documents) == 1)
    text = render_text(printer.documents[0], 58)
    assert "CORTE X" in text
    assert "Sobrante $79.50" in text
    assert closes(ctx) == []
    with ctx.till.db.read() as conn:
        assert conn.execute(select(audit_events.c.action)).scalars().all() == ["corte_x"]


def test_the_page_without_a_shift_says_so_and_offers_no_cash_actions(
    qtbot, ctx: AppContext  # type: ignore[no-untyped-def]
) -> None:
    page = CortesPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.data is not None)
    assert page.shift_label.text() == "No hay turno abierto en esta caja."
    assert "mostrador" in page.figures_label.text()
    assert not page.z_button.isEnabled()
    assert not page.out_button.isEnabled()
    assert not page.reprint_button.isEnabled()


def movement(qtbot, page: CortesPage, button: str, amount: str, reason: str) -> CashMovementDialog:  # type: ignore[no-untyped-def]
    getattr(page, button).click()
    dialog = page.dialog
    assert isinstance(dialog, CashMovementDialog)
    qtbot.keyClicks(dialog.amount, amount)
    qtbot.keyClicks(dialog.reason, reason)
    dialog.save_button.click()
    return dialog


def test_cash_in_and_out_need_a_reason_and_enough_cash(
    qtbot, ctx: AppContext, shift: uuid.UUID, printer: RecordingPrinter  # type: ignore[no-untyped-def]
) -> None:
    page = CortesPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.data is not None)
    assert "Efectivo esperado en caja: $620.50" in page.figures_label.text()
    assert "Doña Mary" in page.shift_label.text()

    dialog = movement(qtbot, page, "out_button", "100", "")
    qtbot.waitUntil(lambda: dialog.error_label.text() == "Escribe el motivo del movimiento.")
    dialog.amount.setText("700")
    qtbot.keyClicks(dialog.reason, "Pago al proveedor")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "no se puede sacar $700.00" in dialog.error_label.text())
    dialog.amount.setText("100")
    with qtbot.waitSignal(dialog.accepted):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: "Efectivo esperado en caja: $520.50" in page.figures_label.text())
    assert printer.drawer_kicks == 1
    assert "Salida de 100 registrada" in page.message_label.text()

    bad = movement(qtbot, page, "in_button", "-5", "Morralla")
    assert bad.error_label.text() == "El importe no puede ser negativo."
    bad.reject()
    with ctx.till.db.read() as conn:
        rows = conn.execute(select(cash_movements.c.direction, cash_movements.c.amount,
                                   cash_movements.c.reason, cash_movements.c.shift_id)).all()
    assert rows == [("salida", 10_000, "Pago al proveedor", str(shift))]


def test_a_cajero_needs_a_pin_to_move_cash(
    qtbot, ctx: AppContext, shift: uuid.UUID  # type: ignore[no-untyped-def]
) -> None:
    assert ctx.session is not None
    ctx.session.cashier = Cashier(uuid.uuid4(), "Lalo", Role.CASHIER)
    page = CortesPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.data is not None)
    page.in_button.click()
    assert page.dialog is None
    pin = page.findChild(PinDialog)
    assert pin is not None
    assert pin.isVisible()


def test_cash_out_approved_by_pin_records_the_cashier_and_the_approver(
    qtbot, ctx: AppContext, owner: Cashier, shift: uuid.UUID, printer: RecordingPrinter  # type: ignore[no-untyped-def]
) -> None:
    assert ctx.session is not None
    lalo = cashier(ctx.till, "Lalo", Role.CASHIER, "4321").id
    ctx.session.cashier = Cashier(lalo, "Lalo", Role.CASHIER)
    page = CortesPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.data is not None)
    page.out_button.click()
    pin = page.findChild(PinDialog)
    assert pin is not None
    qtbot.keyClicks(pin.pin_input, "4321")  # Lalo's own PIN: a cajero may not
    qtbot.keyClick(pin.pin_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pin.pin_input.isEnabled(), timeout=10_000)
    assert page.dialog is None
    qtbot.keyClicks(pin.pin_input, "1234")  # the owner comes over
    qtbot.keyClick(pin.pin_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(page.dialog, CashMovementDialog), timeout=10_000)
    dialog = page.dialog
    assert isinstance(dialog, CashMovementDialog)
    qtbot.keyClicks(dialog.amount, "50")
    dialog.reason.setText("Pago al del garrafón")  # keyClicks types ASCII only
    with qtbot.waitSignal(dialog.accepted):
        dialog.save_button.click()
    with ctx.till.db.read() as conn:
        moved = conn.execute(select(cash_movements.c.id, cash_movements.c.amount)).one()
        event = conn.execute(select(audit_events).where(audit_events.c.action == "open_drawer")).one()
    assert moved.amount == 5_000
    assert (event.cashier_id, event.authorized_by, event.subject_id) == (str(lalo), str(owner.id),
                                                                         moved.id)
    assert event.detail == "Salida de $50.00: Pago al del garrafón"
    qtbot.waitUntil(lambda: printer.drawer_kicks == 1)


def test_corte_z_from_the_page_lands_in_the_history_and_reprints(
    qtbot, ctx: AppContext, shift: uuid.UUID, printer: RecordingPrinter  # type: ignore[no-untyped-def]
) -> None:
    page = CortesPage(ctx)
    qtbot.addWidget(page)
    page.resize(1024, 600)
    qtbot.waitUntil(lambda: page.data is not None)
    page.z_button.click()
    dialog = page.dialog
    assert isinstance(dialog, CorteDialog)
    qtbot.waitUntil(lambda: dialog.confirm_button.isEnabled())
    qtbot.keyClicks(dialog.counted_inputs[CASH], "620")
    qtbot.keyClicks(dialog.counted_inputs[CARD], "80")
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert page.shift_label.text() == "No hay turno abierto en esta caja."
    assert page.message_label.text() == f"Turno cerrado. {pending_text(pending_rows(ctx))}"
    assert page.model.index(0, 5).data() == "Faltante $0.50"
    assert page.model.index(0, 3).data() == "$620.50"

    page.reprint_button.click()
    qtbot.waitUntil(lambda: len(printer.documents) == 2)
    first, again = (render_text(d, 58) for d in printer.documents)
    assert again.split("Impreso")[0] == first.split("Impreso")[0]
    assert "Faltante $0.50" in again
    with ctx.till.db.read() as conn:
        actions = conn.execute(select(audit_events.c.action).order_by(audit_events.c.at)).scalars()
        assert list(actions) == ["corte_z", "reprint"]
