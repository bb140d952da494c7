"""The "Cajeros y permisos" page, driven as the owner (or a cashier needing approval) drives it."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import func, select

from pos_client.services import staff
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from pos_client.store.schema import audit_events, cashiers, outbox, settings
from pos_client.ui.auth import PinDialog
from pos_client.ui.backroom.staff_page import StaffPage
from pos_client.ui.context import Session
from pos_client.ui.qt import Qt
from shared.permissions import Permission, Role
from tests.support.backroom import hire
from tests.support.qt import show_active

pytestmark = pytest.mark.unit


@pytest.fixture
def page(qtbot, ctx):
    p = StaffPage(ctx)
    qtbot.addWidget(p)
    p.resize(800, 560)
    qtbot.waitUntil(lambda: ctx.worker.idle and p.cashiers.model.rowCount() == 1)
    return p


def _idle(qtbot, page) -> None:
    qtbot.waitUntil(lambda: page.ctx.worker.idle)


def _rows(db, table):
    with db.read() as conn:
        return conn.execute(select(table)).all()


def _count(db, table) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _fill_cashier(qtbot, page, name: str, pin: str, again: str | None = None,
                  role: Role = Role.CASHIER) -> None:
    tab = page.cashiers
    tab.clear_form()
    qtbot.keyClicks(tab.name, name)
    tab.role.setCurrentIndex(tab.role.findData(role))
    qtbot.keyClicks(tab.pin, pin)
    qtbot.keyClicks(tab.pin_again, pin if again is None else again)


def _type_pin(qtbot, page, pin: str) -> PinDialog:
    dialog = page.auth_dialog
    assert isinstance(dialog, PinDialog)
    qtbot.waitUntil(dialog.pin_input.isEnabled)
    qtbot.keyClicks(dialog.pin_input, pin)
    qtbot.keyClick(dialog.pin_input, Qt.Key.Key_Return)
    _idle(qtbot, page)
    return dialog


def test_first_load_shows_people_matrix_and_shop(page, owner, device):
    tab = page.cashiers
    assert [tab.model.data(tab.model.index(0, c), Qt.ItemDataRole.DisplayRole) for c in range(3)] == [
        owner.name, "Dueña", "Sí"]  # Doña Mary (issue 12)
    owner_box = page.permissions.boxes[(Role.OWNER, Permission.SETTINGS)]
    assert owner_box.isChecked()
    assert not owner_box.isEnabled()
    assert page.permissions.boxes[(Role.MANAGER, Permission.CANCEL)].isChecked()
    assert not page.permissions.boxes[(Role.CASHIER, Permission.CANCEL)].isChecked()
    assert page.shop.shop_name.text() == device.shop_name
    assert page.shop.timezone.currentData() == "America/Mexico_City"


def test_owner_adds_a_cashier_who_can_then_log_in(qtbot, page, stocked, owner):
    _fill_cashier(qtbot, page, "Luis", "4821")
    qtbot.mouseClick(page.cashiers.save_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    assert page.cashiers.message.text() == "Guardado."
    row = next(r for r in _rows(stocked, cashiers) if r.name == "Luis")
    assert (row.role, row.active) == ("cajero", 1)
    assert row.pin_hash.startswith("$argon2id$")
    assert all("4821" not in r.body for r in _rows(stocked, outbox) if r.entity == "cashier")
    assert [(a.action, a.cashier_id) for a in _rows(stocked, audit_events)] == [
        ("cashier_edit", str(owner.id))]
    assert page.cashiers.model.rowCount() == 2
    assert page.cashiers.pin.text() == ""
    assert page.cashiers.editing_id == staff.login(page.ctx.till, "4821").id
    qtbot.waitUntil(lambda: page.audit.model.rowCount() == 1)


@pytest.mark.parametrize(("pin", "again", "error"), [
    ("12a4", None, "de 4 a 8 dígitos"), ("123", None, "de 4 a 8 dígitos"),
    ("1234", None, "ya lo usa otra persona"), ("5678", "5679", "no coinciden"),
])
def test_bad_pins_are_refused_inline_and_nothing_is_written(qtbot, page, stocked, pin, again, error):
    before = (_count(stocked, cashiers), _count(stocked, outbox))
    _fill_cashier(qtbot, page, "Luis", pin, again)
    qtbot.mouseClick(page.cashiers.save_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    assert error in page.cashiers.message.text()
    assert (_count(stocked, cashiers), _count(stocked, outbox)) == before
    assert page.cashiers.save_button.isEnabled()


def test_the_last_owner_cannot_be_switched_off(qtbot, page, stocked):
    page.cashiers.table.selectRow(0)
    assert page.cashiers.name.text() == "Doña Mary"
    page.cashiers.active.setChecked(False)
    qtbot.mouseClick(page.cashiers.save_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    assert "al menos un dueño activo" in page.cashiers.message.text()
    assert [r.active for r in _rows(stocked, cashiers)] == [1]


def test_keyboard_new_and_save(qtbot, page, stocked):
    show_active(qtbot, page)
    page.cashiers.table.selectRow(0)
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert (page.cashiers.editing_id, page.cashiers.name.text()) == (None, "")
    qtbot.keyClicks(page.cashiers.name, "Ana")
    qtbot.keyClicks(page.cashiers.pin, "97531")
    qtbot.keyClicks(page.cashiers.pin_again, "97531")
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    _idle(qtbot, page)
    assert "Ana" in [r.name for r in _rows(stocked, cashiers)]


def test_a_cashier_needs_someone_with_settings_to_type_their_pin(qtbot, page, stocked, device, owner):
    cajero_id = hire(Till(stocked, device), "Luis", Role.CASHIER, "5555").id
    page.ctx.session = Session(Cashier(cajero_id, "Luis", Role.CASHIER))
    _fill_cashier(qtbot, page, "Ana", "6666")
    qtbot.mouseClick(page.cashiers.save_button, Qt.MouseButton.LeftButton)
    dialog = _type_pin(qtbot, page, "5555")  # the cashier's own PIN does not do it
    assert "no tiene permiso" in dialog.error_label.text()
    assert "Ana" not in [r.name for r in _rows(stocked, cashiers)]
    _type_pin(qtbot, page, "1234")
    qtbot.waitUntil(lambda: page.cashiers.message.text() == "Guardado.")
    ana = next(r for r in _rows(stocked, cashiers) if r.name == "Ana")
    event = next(a for a in _rows(stocked, audit_events) if a.subject_id == ana.id)
    assert (event.cashier_id, event.authorized_by) == (str(cajero_id), str(owner.id))


def test_owner_changes_the_matrix_and_the_till_follows(qtbot, page, stocked):
    page.permissions.boxes[(Role.CASHIER, Permission.DISCOUNT)].setChecked(True)
    page.permissions.boxes[(Role.MANAGER, Permission.CANCEL)].setChecked(False)
    assert not Session(Cashier(page.ctx.session.cashier.id, "x", Role.CASHIER),
                       matrix=page.ctx.session.matrix).can(Permission.DISCOUNT)
    qtbot.mouseClick(page.permissions.save_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    stored = json.loads(_rows(stocked, settings)[0].permissions)
    assert stored["cajero"] == ["discount"]
    assert "cancel" not in stored["encargado"]
    cajero = Cashier(page.ctx.session.cashier.id, "x", Role.CASHIER)
    assert Session(cajero, matrix=page.ctx.session.matrix).can(Permission.DISCOUNT)
    assert page.permissions.message.text() == "Permisos guardados."


def test_a_manager_cannot_approve_a_matrix_change(qtbot, page, stocked, device):
    boss_id = hire(Till(stocked, device), "Pepe", Role.MANAGER, "5555").id
    page.ctx.session = Session(Cashier(boss_id, "Pepe", Role.MANAGER))
    page.permissions.boxes[(Role.MANAGER, Permission.SETTINGS)].setChecked(True)
    qtbot.mouseClick(page.permissions.save_button, Qt.MouseButton.LeftButton)
    _type_pin(qtbot, page, "5555")
    qtbot.waitUntil(lambda: "Solo el dueño" in page.permissions.message.text())
    assert _count(stocked, settings) == 0


def test_shop_data_with_a_bad_rfc_is_refused_then_saved_when_fixed(qtbot, page, stocked):
    shop = page.shop
    shop.shop_name.setText("Abarrotes Mary")
    qtbot.keyClicks(shop.phone, "(55) 1234-5678")
    qtbot.keyClicks(shop.rfc, "GOMM80")
    qtbot.keyClicks(shop.footer, "Gracias por su compra")
    shop.timezone.setCurrentIndex(shop.timezone.findData("America/Cancun"))
    qtbot.mouseClick(shop.save_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    assert "RFC" in shop.message.text()
    assert _count(stocked, settings) == 0
    qtbot.keyClicks(shop.rfc, "0101ab3")
    qtbot.mouseClick(shop.save_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    row = _rows(stocked, settings)[0]
    assert (row.shop_name, row.phone, row.rfc, row.timezone, row.receipt_footer) == (
        "Abarrotes Mary", "+525512345678", "GOMM800101AB3", "America/Cancun", "Gracias por su compra")
    assert shop.phone.text() == "55 1234 5678"
    assert page.timezone == "America/Cancun"


def test_audit_log_filters_and_exports_with_names(qtbot, page, stocked, tmp_path, owner):
    _fill_cashier(qtbot, page, "Luis", "4821")
    qtbot.mouseClick(page.cashiers.save_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    page.permissions.boxes[(Role.CASHIER, Permission.CANCEL)].setChecked(True)
    qtbot.mouseClick(page.permissions.save_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    audit = page.audit
    qtbot.mouseClick(audit.search_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    model = audit.model
    assert [model.data(model.index(r, 1), Qt.ItemDataRole.DisplayRole)
            for r in range(model.rowCount())] == ["Configuración", "Cambio de cajero"]
    assert model.data(model.index(1, 2), Qt.ItemDataRole.DisplayRole) == owner.name
    audit.action.setCurrentIndex(audit.action.findData("cashier_edit"))
    qtbot.mouseClick(audit.search_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    assert model.rowCount() == 1
    audit.first.setDate(audit.last.date().addDays(1))
    qtbot.mouseClick(audit.search_button, Qt.MouseButton.LeftButton)
    assert "anterior" in audit.message.text()
    audit.first.setDate(audit.last.date())
    target = tmp_path / "bitacora.csv"
    audit.choose_export_path = lambda: target
    qtbot.mouseClick(audit.export_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    with target.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0] == ["Fecha y hora", "Acción", "Quién", "Autorizó", "Detalle"]
    assert lines[1][1:] == ["Cambio de cajero", owner.name, "", "Alta de Luis (Cajero)"]
    assert "Se exportaron 1 registro a bitacora.csv" in audit.message.text()
