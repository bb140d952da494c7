"""The customers page, the abono dialog and the customer picker, driven like a person would."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pos_client.services import accounts, cortes, messages
from pos_client.services.accounts import CustomerDraft
from pos_client.services.staff import Cashier
from pos_client.store.schema import audit_events, customers, fiado_payments, outbox
from pos_client.ui.auth import PinDialog
from pos_client.ui.backroom.abono_dialog import AbonoDialog
from pos_client.ui.backroom.customers_page import NOT_PAIRED_TIP, CustomersPage
from pos_client.ui.context import AppContext, Session
from pos_client.ui.customer_picker import CustomerDialog, CustomerPicker
from pos_client.ui.printing import PreviewDialog
from pos_client.ui.qt import QApplication, QPushButton, Qt
from shared.ids import new_uuid7
from shared.permissions import Role
from tests.support.builders import cashier
from tests.support.ledger import fiado_charge
from tests.support.qt import show_active


def add(ctx: AppContext, name: str, limit: str = "500", phone: str = "5512345678") -> uuid.UUID:
    return accounts.save_customer(ctx.till, CustomerDraft(name, phone, limit)).id


def owe(ctx: AppContext, customer_id: uuid.UUID, amount: int, days_ago: int = 0) -> None:
    fiado_charge(ctx.till, customer_id, amount, at=ctx.till.now() - timedelta(days=days_ago))


def owing(qtbot, ctx: AppContext, page: CustomersPage, name: str, amount: int) -> uuid.UUID:  # type: ignore[no-untyped-def]
    """A customer who owes ``amount``, listed on the page."""
    cid = add(ctx, name)
    owe(ctx, cid, amount)
    page.reload()
    settle(qtbot, ctx)
    return cid


def outbox_entities(ctx: AppContext) -> list[str]:
    with ctx.till.db.read() as conn:
        return list(conn.execute(select(outbox.c.entity).order_by(outbox.c.device_seq)).scalars())


def click(qtbot, parent, text: str) -> None:  # type: ignore[no-untyped-def]
    [b] = [b for b in parent.findChildren(QPushButton) if b.text() == text]
    qtbot.mouseClick(b, Qt.MouseButton.LeftButton)


@pytest.fixture
def page(qtbot, ctx: AppContext) -> CustomersPage:  # type: ignore[no-untyped-def]
    widget = CustomersPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(800, 560)
    widget.show()
    qtbot.waitUntil(lambda: ctx.worker.idle)
    return widget


def settle(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: ctx.worker.idle)


def test_add_a_customer_through_the_form(qtbot, ctx: AppContext, page: CustomersPage) -> None:  # type: ignore[no-untyped-def]
    page.new_customer()
    editor = page.dialog
    assert isinstance(editor, CustomerDialog)
    editor.name.insert("Juana Pérez")  # keyClicks types ASCII only
    qtbot.keyClicks(editor.phone, "(55) 1234-5678")
    editor.limit.clear()
    qtbot.keyClicks(editor.limit, "800")
    qtbot.keyClicks(editor.opening, "120.50")
    click(qtbot, editor, "Guardar (Enter)")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    with ctx.till.db.read() as conn:
        row = conn.execute(select(customers)).one()
    assert accounts.account(ctx.till, uuid.UUID(row.id)).balance == 12050
    assert (row.name, row.phone, row.credit_limit) == ("Juana Pérez", "+525512345678", 80000)
    assert outbox_entities(ctx)[-3:] == ["customer", "fiado_charge", "audit_event"]
    assert page.model.account(0).balance == 12050
    assert "Guardé a Juana Pérez" in page.message.text()


def test_editing_a_limit_is_audited_with_the_logged_in_cashier(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, page: CustomersPage, owner: Cashier
) -> None:
    cid = add(ctx, "Juana Pérez", limit="500")
    page.reload()
    settle(qtbot, ctx)
    page.table.selectRow(0)
    page.edit_customer()
    editor = page.dialog
    assert isinstance(editor, CustomerDialog)
    editor.limit.clear()
    qtbot.keyClicks(editor.limit, "1500")
    click(qtbot, editor, "Guardar (Enter)")
    qtbot.waitUntil(lambda: not editor.isVisible())
    settle(qtbot, ctx)
    with ctx.till.db.read() as conn:
        event = conn.execute(select(audit_events)).one()
        limit = conn.execute(select(customers.c.credit_limit)).scalar_one()
    assert limit == 150000
    assert (event.action, event.cashier_id, event.subject_id) == ("customer_edit", str(owner.id), str(cid))
    assert event.detail == "Juana Pérez: límite $500.00 → $1,500.00"
    assert outbox_entities(ctx)[-2:] == ["customer", "audit_event"]


def test_bad_phone_stays_in_the_form(qtbot, ctx: AppContext, page: CustomersPage) -> None:  # type: ignore[no-untyped-def]
    page.new_customer()
    editor = page.dialog
    assert isinstance(editor, CustomerDialog)
    qtbot.keyClicks(editor.name, "Pedro")
    qtbot.keyClicks(editor.phone, "123")
    click(qtbot, editor, "Guardar (Enter)")
    qtbot.waitUntil(lambda: "no es un teléfono válido" in editor.error.text())
    assert editor.isVisible()
    assert editor.save_button.isEnabled()
    with ctx.till.db.read() as conn:
        assert conn.execute(select(customers)).all() == []


def test_a_cashier_cannot_set_a_credit_limit(qtbot, ctx: AppContext, owner: Cashier) -> None:  # type: ignore[no-untyped-def]
    cashier_ctx = AppContext(ctx.till, ctx.worker,
                             Session(Cashier(new_uuid7(), "Luis", Role.CASHIER)))
    editor = CustomerDialog(cashier_ctx, None)
    qtbot.addWidget(editor)
    assert editor.limit.isReadOnly()
    assert not CustomerDialog(ctx, None).limit.isReadOnly()


def test_a_cashier_changes_a_limit_with_the_owners_pin(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, owner: Cashier
) -> None:
    lalo = cashier(ctx.till, "Lalo", Role.CASHIER, "4321")
    ctx.session = Session(lalo)
    cid = add(ctx, "Juana Pérez", limit="500")
    [account] = accounts.search(ctx.till)
    editor = CustomerDialog(ctx, None, account)
    qtbot.addWidget(editor)
    editor.show()
    assert editor.limit.isReadOnly()
    editor.unlock_button.click()
    pin = editor.pin_dialog
    assert isinstance(pin, PinDialog)
    qtbot.keyClicks(pin.pin_input, "1234")
    qtbot.keyClick(pin.pin_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not editor.limit.isReadOnly(), timeout=10_000)
    assert not editor.unlock_button.isVisible()
    editor.limit.setText("900")
    with qtbot.waitSignal(editor.saved):
        editor.save_button.click()
    with ctx.till.db.read() as conn:
        limit = conn.execute(select(customers.c.credit_limit)).scalar_one()
        event = conn.execute(select(audit_events)).one()
    assert limit == 90_000
    assert (event.cashier_id, event.authorized_by, event.subject_id) == (str(lalo.id), str(owner.id),
                                                                         str(cid))


def test_a_limit_typed_past_the_screen_is_still_refused(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext
) -> None:
    lalo = cashier(ctx.till, "Lalo", Role.CASHIER, "4321")
    ctx.session = Session(lalo)
    editor = CustomerDialog(ctx, None, name="Pedro")
    qtbot.addWidget(editor)
    editor.limit.setText("2000")  # as if the read-only field were got around
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.save_button.isEnabled())
    assert "permiso" in editor.error.text() or "autorización" in editor.error.text()
    with ctx.till.db.read() as conn:
        assert conn.execute(select(customers)).all() == []


def test_record_an_abono_through_the_dialog(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, page: CustomersPage, owner: Cashier
) -> None:
    shift = cortes.open_shift(ctx.till, 50_000, owner.id)
    ctx.session = Session(owner, shift_id=shift)
    cid = owing(qtbot, ctx, page, "Juana Pérez", 30000)
    page.open_statement()
    settle(qtbot, ctx)
    page.record_abono()
    dialog = page.dialog
    assert isinstance(dialog, AbonoDialog)
    qtbot.keyClicks(dialog.amount, "120")
    click(qtbot, dialog, "Transferencia")
    assert dialog.reference.isEnabled()
    qtbot.keyClicks(dialog.reference, "SPEI 4455")
    qtbot.keyClick(dialog.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    settle(qtbot, ctx)
    with ctx.till.db.read() as conn:
        row = conn.execute(select(fiado_payments)).one()
        body = json.loads(conn.execute(select(outbox.c.body).where(
            outbox.c.entity == "fiado_payment")).scalar_one())
    assert (row.customer_id, row.amount, row.method, row.reference, row.note) == (
        str(cid), 12000, "transferencia", "SPEI 4455", None)
    assert (row.cashier_id, row.shift_id) == (str(owner.id), str(shift))
    assert (body["payload"]["amount"], body["payload"]["shift_id"]) == (12000, str(shift))
    assert page.statement is not None
    assert page.statement.closing_balance == 18000
    assert page.statement_model.rowCount() == 2
    assert page.model.account(0).balance == 18000
    assert "Abono de $120.00 registrado" in page.message.text()


def test_an_abono_or_a_customer_saved_twice_in_a_hurry_is_written_once(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, page: CustomersPage
) -> None:
    owing(qtbot, ctx, page, "Juana Pérez", 30_000)
    page.record_abono()
    dialog = page.dialog
    assert isinstance(dialog, AbonoDialog)
    qtbot.keyClicks(dialog.amount, "100")
    qtbot.keyClick(dialog.amount, Qt.Key.Key_Return)
    assert not dialog.save_button.isEnabled()  # until the worker answers
    qtbot.keyClick(dialog.amount, Qt.Key.Key_Return)
    dialog.save_button.click()
    settle(qtbot, ctx)
    editor = CustomerDialog(ctx, None, name="Pedro")
    qtbot.addWidget(editor)
    qtbot.keyClick(editor.name, Qt.Key.Key_Return)
    assert not editor.save_button.isEnabled()
    qtbot.keyClick(editor.phone, Qt.Key.Key_Return)
    editor.save_button.click()
    settle(qtbot, ctx)
    with ctx.till.db.read() as conn:
        assert conn.execute(select(fiado_payments.c.amount)).scalars().all() == [10_000]
        assert sorted(conn.execute(select(customers.c.name)).scalars()) == ["Juana Pérez", "Pedro"]


def test_abono_all_pays_the_whole_balance(qtbot, ctx: AppContext, page: CustomersPage) -> None:  # type: ignore[no-untyped-def]
    cid = owing(qtbot, ctx, page, "Juana Pérez", 4550)
    page.record_abono()
    dialog = page.dialog
    assert isinstance(dialog, AbonoDialog)
    click(qtbot, dialog, "Todo")
    assert dialog.amount.text() == "45.50"
    assert not dialog.reference.isEnabled()  # cash needs no reference
    click(qtbot, dialog, "Guardar abono (Enter)")
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert accounts.account(ctx.till, cid).balance == 0
    with ctx.till.db.read() as conn:
        assert conn.execute(select(fiado_payments.c.method)).scalar_one() == "efectivo"


@pytest.mark.parametrize(("typed", "message"), [
    ("300.01", "mayor que el saldo"), ("0", "mayor que cero"), ("-5", "negativo"),
    ("abc", "no es un importe"),
])
def test_bad_abonos_are_refused_in_the_dialog(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, page: CustomersPage, typed: str, message: str
) -> None:
    owing(qtbot, ctx, page, "Juana Pérez", 30000)
    page.record_abono()
    dialog = page.dialog
    assert isinstance(dialog, AbonoDialog)
    qtbot.keyClicks(dialog.amount, typed)
    click(qtbot, dialog, "Guardar abono (Enter)")
    qtbot.waitUntil(lambda: message in dialog.error.text())
    settle(qtbot, ctx)
    assert dialog.isVisible()
    with ctx.till.db.read() as conn:
        assert conn.execute(select(fiado_payments)).all() == []
    assert "fiado_payment" not in outbox_entities(ctx)


def test_no_abono_for_a_customer_who_owes_nothing(qtbot, ctx: AppContext, page: CustomersPage) -> None:  # type: ignore[no-untyped-def]
    add(ctx, "Juana Pérez")
    page.reload()
    settle(qtbot, ctx)
    page.record_abono()
    assert page.dialog is None
    assert "no debe nada" in page.message.text()


def test_statement_prints_to_a_preview_and_whatsapp_is_honest(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, page: CustomersPage
) -> None:
    cid = owing(qtbot, ctx, page, "Juana Pérez", 30000)
    page.open_statement()
    settle(qtbot, ctx)
    assert page.tabs.currentIndex() == 1
    assert not page.whatsapp_button.isEnabled()
    assert page.whatsapp_button.toolTip() == NOT_PAIRED_TIP
    page.print_statement()
    preview = page.dialog
    assert isinstance(preview, PreviewDialog)
    text = preview.text.toPlainText()
    assert "Estado de cuenta" in text
    assert "$300.00" in text
    page.copy_message()
    assert QApplication.clipboard().text().startswith("Hola Juana, le saluda")
    assert "es de $300.00" in QApplication.clipboard().text()

    before = outbox_entities(ctx)
    ctx.till.device.server_url, ctx.till.device.credential = "https://example.invalid", "secret"
    page.load_statement()
    settle(qtbot, ctx)
    assert page.whatsapp_button.isEnabled()
    click(qtbot, page, "Enviar por WhatsApp")
    settle(qtbot, ctx)
    assert "en cola" in page.message.text()  # it leaves with the next sync
    assert outbox_entities(ctx) == [*before, "message_request"]
    (queued,) = messages.pending_requests(ctx.till, cid)
    assert queued.text.startswith("Hola Juana, le saluda")
    assert "$300.00" in queued.text


def test_balances_tab_sorts_and_exports(qtbot, ctx: AppContext, page: CustomersPage,  # type: ignore[no-untyped-def]
                                        tmp_path: Path) -> None:
    old = add(ctx, "Ana", phone="")
    big = add(ctx, "Beto", phone="")
    owe(ctx, old, 1500, days_ago=45)
    owe(ctx, big, 90000, days_ago=2)
    page.reload()
    settle(qtbot, ctx)
    page.tabs.setCurrentIndex(2)
    assert [page.aging_model.account(i).name for i in range(2)] == ["Beto", "Ana"]
    assert "$915.00" in page.bucket_labels[-1].text()
    page.order.setCurrentIndex(1)  # by age
    settle(qtbot, ctx)
    assert [page.aging_model.account(i).name for i in range(2)] == ["Ana", "Beto"]

    target = tmp_path / "saldos.csv"
    page.choose_export_path = lambda: target
    page.export_csv()
    settle(qtbot, ctx)
    with target.open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["Cliente", "Teléfono", "Saldo"]
    assert rows[1][0] == "Ana"
    assert rows[1][2] == "15.00"
    assert rows[1][6] == "15.00"  # 31–60 días
    assert rows[-1][:3] == ["Total", "", "915.00"]
    assert "Exporté 2 cuentas" in page.message.text()


def test_export_to_an_unwritable_place_is_reported(qtbot, ctx: AppContext, page: CustomersPage,  # type: ignore[no-untyped-def]
                                                   tmp_path: Path) -> None:
    page.choose_export_path = lambda: tmp_path / "no-such-folder" / "saldos.csv"
    page.export_csv()
    settle(qtbot, ctx)
    assert "No pude guardar saldos.csv" in page.message.text()


def test_list_sorts_by_amount_and_by_age_from_the_header(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, page: CustomersPage
) -> None:
    owe(ctx, add(ctx, "Ana"), 1500, days_ago=45)
    owe(ctx, add(ctx, "Beto"), 90000, days_ago=2)
    page.reload()
    settle(qtbot, ctx)
    names = lambda: [page.model.account(i).name for i in range(page.model.rowCount())]  # noqa: E731
    assert names() == ["Beto", "Ana"]  # largest balance first by default
    page.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)  # oldest debt first
    assert names() == ["Ana", "Beto"]


def test_picker_warns_when_the_sale_exceeds_the_limit(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    cid = add(ctx, "Juana Pérez", limit="500")
    owe(ctx, cid, 45000)
    picker = CustomerPicker(ctx, None, amount_due=6000)
    qtbot.addWidget(picker)
    settle(qtbot, ctx)
    assert "excede el límite" in picker.fit.text()
    assert "$50.00" in picker.fit.text()  # what is still available
    with qtbot.waitSignal(picker.chosen) as chosen:
        picker.choose()
    assert chosen.args[0].id == cid

    fits = CustomerPicker(ctx, None, amount_due=5000)
    qtbot.addWidget(fits)
    settle(qtbot, ctx)
    assert "Alcanza" in fits.fit.text()


def test_picker_searches_and_adds_a_new_customer(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    add(ctx, "Juana Pérez")
    add(ctx, "Pedro López", phone="3398765432")
    picker = CustomerPicker(ctx, None, amount_due=1000)
    qtbot.addWidget(picker)
    settle(qtbot, ctx)
    assert picker.model.rowCount() == 2
    qtbot.keyClicks(picker.search, "9876")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1)
    assert picker.selected().name == "Pedro López"

    picker.search.clear()
    qtbot.keyClicks(picker.search, "Rosa")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 0)
    assert "No hay clientes" in picker.fit.text()
    picker.new_customer()
    assert picker.editor.name.text() == "Rosa"
    click(qtbot, picker.editor, "Guardar (Enter)")
    qtbot.waitUntil(lambda: picker.selected() is not None and picker.selected().name == "Rosa")
    assert "excede el límite" in picker.fit.text()  # a new customer has no credit yet


def test_f3_opens_the_abono_for_the_selected_customer(qtbot, ctx: AppContext, page: CustomersPage) -> None:  # type: ignore[no-untyped-def]
    owe(ctx, add(ctx, "Ana", phone=""), 1500)
    page.reload()
    settle(qtbot, ctx)
    show_active(qtbot, page)
    qtbot.keyClick(page.table, Qt.Key.Key_F3)
    assert isinstance(page.dialog, AbonoDialog)
    assert page.dialog.account.name == "Ana"
