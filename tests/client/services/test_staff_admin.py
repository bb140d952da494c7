"""Cashiers, the permission matrix, the shop's settings and the audit log, on a real SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pos_client.services import staff, staff_admin
from pos_client.services.staff import Cashier, NotAllowed
from pos_client.services.staff_admin import InvalidPin, InvalidSettings, LastOwner, PinTaken
from pos_client.store.schema import audit_events, cashiers, outbox, settings
from pos_client.ui.context import Session
from shared.permissions import Permission, Role
from shared.sync.payloads import SETTINGS_ID, SettingsPayload

pytestmark = pytest.mark.unit

PIN = "48213579"


def _counts(db) -> tuple[int, int, int, int]:
    with db.read() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (cashiers, settings, outbox, audit_events))  # type: ignore[return-value]


def _add(till, owner, name, role, pin) -> Cashier:
    cashier_id = staff_admin.save_cashier(till, None, name, role, pin, True, owner)
    return Cashier(cashier_id, name, role)


def test_new_cashier_is_stored_with_an_argon2_hash_queued_and_audited(till, stocked, owner):
    new_id = staff_admin.save_cashier(till, None, "  Luis   Pérez ", Role.CASHIER, PIN,
                                      True, owner)
    with stocked.read() as conn:
        row = conn.execute(select(cashiers).where(cashiers.c.id == str(new_id))).one()
        bodies = {r.entity: r.body for r in conn.execute(select(outbox))
                  if r.entity in ("cashier", "audit_event")
                  and (str(new_id) in r.body)}
        audit = conn.execute(select(audit_events)).all()
    assert (row.name, row.role, row.active) == ("Luis Pérez", "cajero", 1)
    assert row.pin_hash.startswith("$argon2id$")
    assert all(PIN not in str(value) for value in row)
    assert set(bodies) == {"cashier", "audit_event"}
    assert all(PIN not in body for body in bodies.values())
    assert [(a.action, a.cashier_id, a.subject_id, a.authorized_by) for a in audit] == [
        ("cashier_edit", str(owner.id), str(new_id), None)]
    assert "Alta de Luis Pérez (Cajero)" == audit[0].detail
    assert staff.login(till, PIN).id == new_id


def test_a_pin_another_active_cashier_uses_is_refused_and_nothing_is_written(till, stocked, owner):
    before = _counts(stocked)
    with pytest.raises(PinTaken, match="ya lo usa otra persona"):
        staff_admin.save_cashier(till, None, "Luis", Role.CASHIER, "1234", True, owner)
    assert _counts(stocked) == before


def test_a_cashier_may_keep_their_own_pin_and_an_inactive_ones_pin_is_free(till, stocked, owner):
    luis = _add(till, owner, "Luis", Role.CASHIER, "5555")
    staff_admin.save_cashier(till, luis.id, "Luis", Role.CASHIER, "5555", False, owner)
    ana = _add(till, owner, "Ana", Role.CASHIER, "5555")
    assert staff.login(till, "5555").id == ana.id


@pytest.mark.parametrize("pin", ["12a4", "123", "123456789", "١٢٣٤", "", "12 34"])
def test_a_pin_that_is_not_4_to_8_digits_is_refused(till, stocked, owner, pin):
    before = _counts(stocked)
    with pytest.raises(InvalidPin, match="de 4 a 8 dígitos"):
        staff_admin.save_cashier(till, None, "Luis", Role.CASHIER, pin, True, owner)
    assert _counts(stocked) == before


def test_a_new_cashier_needs_a_pin_and_a_name(till, stocked, owner):
    with pytest.raises(InvalidPin):
        staff_admin.save_cashier(till, None, "Luis", Role.CASHIER, None, True, owner)
    with pytest.raises(staff_admin.DomainError, match="nombre"):
        staff_admin.save_cashier(till, None, "   ", Role.CASHIER, "5555", True, owner)


def test_editing_keeps_the_pin_when_none_is_given_and_says_what_changed(till, stocked, owner):
    luis = _add(till, owner, "Luis", Role.CASHIER, "5555")
    staff_admin.save_cashier(till, luis.id, "Luis", Role.MANAGER, None, True, owner)
    assert staff.login(till, "5555") == Cashier(luis.id, "Luis", Role.MANAGER)
    details = [e.detail for e in staff_admin.audit_log(till)]
    assert details[0] == "Luis: rol Cajero → Encargado"


def test_the_last_active_owner_can_be_neither_deactivated_nor_demoted(till, stocked, owner):
    before = _counts(stocked)
    with pytest.raises(LastOwner):
        staff_admin.save_cashier(till, owner.id, owner.name, Role.OWNER, None, False, owner)
    with pytest.raises(LastOwner):
        staff_admin.save_cashier(till, owner.id, owner.name, Role.MANAGER, None, True, owner)
    assert _counts(stocked) == before
    _add(till, owner, "Don Beto", Role.OWNER, "7777")
    staff_admin.save_cashier(till, owner.id, owner.name, Role.MANAGER, None, True, owner)
    with stocked.read() as conn:
        assert conn.execute(select(cashiers.c.role).where(
            cashiers.c.id == str(owner.id))).scalar_one() == "encargado"


def test_reactivating_someone_asks_for_a_new_pin(till, stocked, owner):
    luis = _add(till, owner, "Luis", Role.CASHIER, "5555")
    staff_admin.save_cashier(till, luis.id, "Luis", Role.CASHIER, None, False, owner)
    with pytest.raises(InvalidPin, match="reactivar"):
        staff_admin.save_cashier(till, luis.id, "Luis", Role.CASHIER, None, True, owner)
    staff_admin.save_cashier(till, luis.id, "Luis", Role.CASHIER, "6666", True, owner)
    assert staff.login(till, "6666").id == luis.id


def test_a_cashier_needs_someone_with_settings_to_approve(till, stocked, owner):
    cajero = _add(till, owner, "Luis", Role.CASHIER, "5555")
    before = _counts(stocked)
    with pytest.raises(NotAllowed):
        staff_admin.save_cashier(till, None, "Ana", Role.CASHIER, "6666", True, cajero)
    assert _counts(stocked) == before
    ana_id = staff_admin.save_cashier(till, None, "Ana", Role.CASHIER, "6666", True,
                                      cajero, approver=owner)
    with stocked.read() as conn:
        last = staff_admin.audit_log(till, limit=1)[0]
        row = conn.execute(select(audit_events).where(audit_events.c.subject_id == str(ana_id))).one()
    assert (row.cashier_id, row.authorized_by) == (str(cajero.id), str(owner.id))
    assert (last.cashier_name, last.authorized_by_name) == ("Luis", owner.name)


def test_only_an_owner_creates_or_edits_an_owner(till, stocked, owner):
    staff_admin.save_matrix(till, {Role.MANAGER: [Permission.SETTINGS]}, owner)
    boss = _add(till, owner, "Pepe", Role.MANAGER, "5555")
    with pytest.raises(NotAllowed, match="Solo el dueño"):
        staff_admin.save_cashier(till, None, "Ana", Role.OWNER, "6666", True, boss)
    with pytest.raises(NotAllowed, match="Solo el dueño"):
        staff_admin.save_cashier(till, owner.id, "Mary", Role.OWNER, None, True, boss)
    staff_admin.save_cashier(till, None, "Ana", Role.CASHIER, "6666", True, boss)


def test_matrix_is_stored_in_settings_and_changes_what_a_session_can_do(till, stocked, owner):
    staff_admin.save_settings(till, staff_admin.shop_settings(
        shop_name="Abarrotes Mary", address="Calle 5 #12", phone="55 1234 5678",
        rfc="gomm800101ab3", timezone="America/Merida", receipt_footer="Gracias"), owner)
    cajero = Cashier(owner.id, "x", Role.CASHIER)
    with stocked.read() as conn:
        assert not Session(cajero, matrix=staff.permission_matrix(conn)).can(Permission.DISCOUNT)
    staff_admin.save_matrix(till, {
        Role.MANAGER: [Permission.SETTINGS, Permission.CANCEL],
        Role.CASHIER: [Permission.DISCOUNT], Role.OWNER: []}, owner)
    with stocked.read() as conn:
        row = conn.execute(select(settings)).one()
        matrix = staff.permission_matrix(conn)
        audit = staff_admin.audit_log(till, action="settings")
    assert json.loads(row.permissions) == {"encargado": ["cancel", "settings"], "cajero": ["discount"]}
    assert (row.id, row.shop_name, row.rfc, row.timezone) == (
        str(SETTINGS_ID), "Abarrotes Mary", "GOMM800101AB3", "America/Merida")
    assert matrix[Role.OWNER] == frozenset(Permission)
    assert Session(cajero, matrix=matrix).can(Permission.DISCOUNT)
    manager = Session(Cashier(owner.id, "y", Role.MANAGER), matrix=matrix)
    assert manager.can(Permission.SETTINGS)
    assert not manager.can(Permission.DISCOUNT)
    assert audit[0].detail == ("Permisos: Encargado: +Configuración, −Hacer descuentos, "
                               "−Abrir el cajón, −Fiar arriba del límite, −Editar productos, "
                               "−Ver reportes; Cajero: +Hacer descuentos")


def test_saving_the_shop_data_keeps_the_matrix(till, stocked, owner):
    staff_admin.save_matrix(till, {Role.CASHIER: [Permission.OPEN_DRAWER]}, owner)
    form = staff_admin.load_settings(till)
    staff_admin.save_settings(till, form.model_copy(
        update={"shop_name": "Otra", "permissions": None}), owner)
    with stocked.read() as conn:
        assert staff.permission_matrix(conn)[Role.CASHIER] == {Permission.OPEN_DRAWER}
        assert staff_admin.load_settings(till).shop_name == "Otra"


def test_only_the_owner_changes_the_matrix(till, stocked, owner):
    boss = Cashier(owner.id, "Pepe", Role.MANAGER)
    before = _counts(stocked)
    with pytest.raises(NotAllowed, match="Solo el dueño"):
        staff_admin.save_matrix(till, {Role.MANAGER: list(Permission)}, boss)
    assert _counts(stocked) == before


def test_settings_default_to_the_device_shop_name(till, stocked, device):
    s = staff_admin.load_settings(till)
    assert (s.id, s.shop_name, s.timezone, s.permissions) == (
        SETTINGS_ID, device.shop_name, "America/Mexico_City", None)


@pytest.mark.parametrize(("field", "value", "code"), [
    ("rfc", "GOMM800101", "invalid_rfc"), ("rfc", "GOMM80010AB3X", "invalid_rfc"),
    ("rfc", "GOMM8001011AB3", "invalid_rfc"), ("phone", "1234", "invalid_phone"),
    ("phone", "+1 555 123 4567", "invalid_phone"), ("timezone", "Europe/Madrid", "invalid_timezone"),
    ("timezone", "America/Nowhere", "invalid_timezone"), ("shop_name", "  ", "invalid_shop_name"),
])
def test_bad_shop_data_is_refused_in_spanish(field, value, code):
    form = {"shop_name": "Tienda", "address": "", "phone": "", "rfc": "", "timezone":
            "America/Mexico_City", "receipt_footer": ""} | {field: value}
    with pytest.raises(InvalidSettings) as err:
        staff_admin.shop_settings(**form)
    assert err.value.code == code


def test_settings_with_a_bad_rfc_are_refused_and_nothing_is_written(till, stocked, owner):
    before = _counts(stocked)
    bad = SettingsPayload.model_construct(id=SETTINGS_ID, shop_name="Tienda", address=None,
                                          phone=None, rfc="abc", timezone="America/Mexico_City",
                                          receipt_footer=None, permissions=None)
    with pytest.raises(InvalidSettings, match="RFC"):
        staff_admin.save_settings(till, bad, owner)
    assert _counts(stocked) == before


def test_a_cashier_cannot_save_settings_without_approval(till, stocked, owner):
    form = staff_admin.shop_settings(shop_name="T", address="", phone="", rfc="",
                                     timezone="America/Tijuana", receipt_footer="")
    with pytest.raises(NotAllowed):
        staff_admin.save_settings(till, form, Cashier(owner.id, "x", Role.CASHIER))


def test_phones_are_kept_with_the_country_code():
    assert staff_admin.normalize_phone("(55) 1234-5678") == "+525512345678"
    assert staff_admin.normalize_phone("+52 55 1234 5678") == "+525512345678"
    assert staff_admin.normalize_phone("  ") is None


def test_audit_log_is_newest_first_with_names_and_filters(till, stocked, owner):
    luis = _add(till, owner, "Luis", Role.CASHIER, "5555")
    staff_admin.save_matrix(till, {Role.CASHIER: [Permission.CANCEL]}, owner)
    staff_admin.save_cashier(till, None, "Ana", Role.CASHIER, "6666", True, luis,
                             approver=owner)
    now = datetime.now(UTC)
    every = staff_admin.audit_log(till)
    edits = staff_admin.audit_log(till, action="cashier_edit")
    future = staff_admin.audit_log(till, since=now + timedelta(minutes=1))
    past = staff_admin.audit_log(till, until=now - timedelta(days=1))
    today = staff_admin.audit_log(till, since=now - timedelta(hours=1), until=now + timedelta(hours=1))
    assert [(e.action, e.cashier_name, e.authorized_by_name) for e in every] == [
        ("cashier_edit", "Luis", owner.name), ("settings", owner.name, None),
        ("cashier_edit", owner.name, None)]
    assert [e.detail for e in edits] == ["Alta de Ana (Cajero)", "Alta de Luis (Cajero)"]
    assert (future, past, len(today)) == ([], [], 3)
    assert every[0].at.tzinfo is not None


def test_a_day_range_follows_the_shops_clock():
    since, until = staff_admin.local_day_range(date(2026, 3, 1), date(2026, 3, 2), "America/Tijuana")
    assert (since.astimezone(UTC), until.astimezone(UTC)) == (
        datetime(2026, 3, 1, 8, tzinfo=UTC), datetime(2026, 3, 3, 8, tzinfo=UTC))


def test_csv_export_shows_local_time_and_defuses_formulas(tmp_path):
    row = staff_admin.AuditRow(SETTINGS_ID, "discount", datetime(2026, 3, 1, 18, 30, tzinfo=UTC),
                               "=HYPERLINK(1)", None, "-10% a Juan")
    path = tmp_path / "b.csv"
    assert staff_admin.export_audit_csv(path, [row], "America/Mexico_City") == 1
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[1] == (
        "01/03/2026 12:30:00,Descuento,'=HYPERLINK(1),,'-10% a Juan")


def test_editing_someone_who_no_longer_exists_is_refused(till, stocked, owner):
    with pytest.raises(staff_admin.DomainError, match="ya no existe"):
        staff_admin.save_cashier(till, SETTINGS_ID, "X", Role.CASHIER, None, True, owner)
