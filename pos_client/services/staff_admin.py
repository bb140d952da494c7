"""Managing the shop's people and settings: cashiers with PINs, the permission matrix, the shop's
data printed on receipts, and reading the audit log. Every change writes an audit event."""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from pydantic import ValidationError

from pos_client.services import local, staff
from pos_client.services.files import safe_text
from pos_client.services.staff import Cashier, NotAllowed
from pos_client.services.till import Till
from pos_client.store.database import Tx
from pos_client.store.repositories import audit_log as audit_rows
from pos_client.store.repositories import cashiers, shop
from pos_client.store.repositories.audit_log import AuditRow
from pos_client.store.repositories.cashiers import CashierRow
from shared.clock import shown_date_time
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.permissions import PERMISSION_LABELS, ROLE_LABELS, Permission, Role, allowed
from shared.sync.payloads import SETTINGS_ID, AuditAction, CashierPayload, SettingsPayload

_HASHER = PasswordHasher()

DEFAULT_TIMEZONE = shop.DEFAULT_TIMEZONE
# Mexico's zones (tzdata names) with the words a shop owner would recognise.
MEXICO_TIMEZONES: Mapping[str, str] = {
    "America/Mexico_City": "Centro (Ciudad de México)",
    "America/Monterrey": "Centro (Monterrey)",
    "America/Merida": "Centro (Mérida)",
    "America/Matamoros": "Frontera noreste (Matamoros)",
    "America/Cancun": "Sureste (Cancún, Quintana Roo)",
    "America/Chihuahua": "Centro (Chihuahua)",
    "America/Ciudad_Juarez": "Frontera norte (Ciudad Juárez)",
    "America/Ojinaga": "Frontera norte (Ojinaga)",
    "America/Mazatlan": "Pacífico (Mazatlán, Sinaloa, Nayarit, BCS)",
    "America/Bahia_Banderas": "Centro (Bahía de Banderas)",
    "America/Hermosillo": "Sonora (Hermosillo)",
    "America/Tijuana": "Noroeste (Tijuana, Baja California)",
}

AUDIT_ACTIONS: tuple[AuditAction, ...] = get_args(AuditAction)
ACTION_LABELS: Mapping[str, str] = {
    "cancel": "Cancelación", "return": "Devolución", "discount": "Descuento",
    "open_drawer": "Abrir cajón", "fiado_override": "Fiado arriba del límite",
    "price_override": "Cambio de precio", "catalog_edit": "Cambio en productos",
    "settings": "Configuración", "cashier_edit": "Cambio de cajero", "corte_x": "Corte X",
    "corte_z": "Corte Z", "reprint": "Reimpresión", "restore": "Restauración de respaldo",
    "customer_edit": "Cambio de cliente",
}

_RFC = re.compile(r"^[A-Z&Ñ]{3,4}[0-9]{6}[A-Z0-9]{3}$")


class InvalidPin(DomainError):
    code = "invalid_pin"


class PinTaken(DomainError):
    code = "pin_taken"


class LastOwner(DomainError):
    code = "last_owner"


class InvalidSettings(DomainError):
    code = "invalid_settings"


__all__ = ["AuditRow", "CashierRow"]


# ---- authority ------------------------------------------------------------------------------


def _require(tx: Tx, authority: Cashier, permission: Permission) -> None:
    """Checked against the matrix stored now, not the one the session loaded at log-in."""
    if not allowed(authority.role, permission, staff.permission_matrix(tx)):
        raise NotAllowed(f"{authority.name} no tiene permiso para esto.")


def _audit(tx: Tx, till: Till, action: AuditAction, editor: Cashier,
           approver: Cashier | None, subject_id: uuid.UUID | None, detail: str) -> None:
    authorized_by = approver.id if approver is not None and approver.id != editor.id else None
    staff.audit(tx, till, action, cashier_id=editor.id, authorized_by=authorized_by,
                subject_id=subject_id, detail=detail)


# ---- cashiers -------------------------------------------------------------------------------


def list_cashiers(till: Till) -> list[CashierRow]:
    """Everyone not deleted, active or not, by name."""
    with till.db.read() as tx:
        return cashiers.listed(tx)


def check_pin(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise InvalidPin("El NIP debe tener de 4 a 8 dígitos (solo números).")


def _refuse_shared_pin(hashes: Iterable[str], pin: str) -> None:
    """Log-in takes the first cashier whose hash matches, so two active cashiers with one PIN
    would let one act as the other."""
    if any(staff.pin_matches(h, pin) for h in hashes):
        raise PinTaken("Ese NIP ya lo usa otra persona. Elige otro.")


def _clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise DomainError("Escribe el nombre.", code="invalid_name")
    return clean


def create_first_owner(till: Till, name: str, pin: str) -> Cashier:
    """A new shop's first person: its owner, who then adds everyone else. Refused once anyone
    can log in (from then on people are added by someone allowed, with :func:`save_cashier`)."""
    clean = _clean_name(name)
    check_pin(pin)
    payload = _cashier_payload(None, clean, Role.OWNER, _HASHER.hash(pin), True, None)
    with till.db.write() as tx:
        if cashiers.active(tx):
            raise NotAllowed("Esta tienda ya tiene quien la atienda: entra con tu NIP.",
                             code="owner_exists")
        local.save(tx, till, "cashier", payload, op="upsert")
    return Cashier(payload.id, payload.name, Role.OWNER)


def save_cashier(
    till: Till, cashier_id: uuid.UUID | None, name: str, role: Role,
    pin: str | None, active: bool, editor: Cashier, *, approver: Cashier | None = None,
) -> uuid.UUID:
    """Create (``cashier_id`` None) or edit a cashier; ``pin`` None keeps the current PIN.

    ``editor`` is who is at the screen, ``approver`` who typed their PIN to allow it (None:
    the editor's own role allows it). argon2 is slow: the PIN checks run before the write lock
    is taken, and only cashiers that changed meanwhile are checked again inside it.
    """
    authority = approver or editor
    name = _clean_name(name)
    if pin is not None:
        check_pin(pin)
    elif cashier_id is None:
        raise InvalidPin("Escribe un NIP para la nueva persona.")
    checked: dict[str, str] = {}
    pin_hash: str | None = None
    if pin is not None:
        with till.db.read() as tx:
            checked = cashiers.pin_hashes(tx, exclude=cashier_id)
        _refuse_shared_pin(checked.values(), pin)
        pin_hash = _HASHER.hash(pin)
    with till.db.write() as tx:
        _require(tx, authority, Permission.SETTINGS)
        current = _cashier_record(tx, cashier_id) if cashier_id is not None else None
        if pin is not None:
            fresh = {i: h for i, h in cashiers.pin_hashes(tx, exclude=cashier_id).items()
                     if checked.get(i) != h}
            _refuse_shared_pin(fresh.values(), pin)
        payload = _cashier_payload(cashier_id, name, role, pin_hash, active, current)
        _check_owner_rules(tx, authority, current, payload)
        local.save(tx, till, "cashier", payload, op="upsert")
        _audit(tx, till, "cashier_edit", editor, approver, payload.id,
               _cashier_detail(current, payload, pin is not None))
    return payload.id


def _cashier_record(tx: Tx, cashier_id: uuid.UUID) -> CashierPayload:
    found = cashiers.record(tx, cashier_id)
    if found is None:
        raise DomainError("Esa persona ya no existe.", code="unknown_cashier")
    return found


def _cashier_payload(cashier_id: uuid.UUID | None, name: str, role: Role, pin_hash: str | None,
                     active: bool, current: CashierPayload | None) -> CashierPayload:
    if current is not None and pin_hash is None and active and not current.active:
        # Another active cashier may have taken the old PIN meanwhile, and a hash can't be
        # compared with a hash: a reactivated cashier gets a PIN checked now.
        raise InvalidPin("Para reactivar a esta persona, asígnale un NIP nuevo.")
    try:
        return CashierPayload(
            id=cashier_id or new_uuid7(), name=name, role=Role(role),
            pin_hash=pin_hash or (current.pin_hash if current else ""), active=active)
    except ValidationError as exc:
        raise DomainError("El nombre no es válido (máximo 200 letras).", code="invalid_name") from exc


def _check_owner_rules(tx: Tx, authority: Cashier, current: CashierPayload | None,
                       new: CashierPayload) -> None:
    touches_owner = new.role is Role.OWNER or (current is not None and current.role is Role.OWNER)
    if touches_owner and authority.role is not Role.OWNER:
        raise NotAllowed("Solo el dueño puede dar de alta o cambiar a un dueño.")
    was_active_owner = current is not None and current.role is Role.OWNER and current.active
    stays_active_owner = new.role is Role.OWNER and new.active
    if was_active_owner and not stays_active_owner:
        if cashiers.other_active_owners(tx, exclude=new.id) == 0:
            raise LastOwner("Debe quedar al menos un dueño activo: no se puede quitar al último.")


def _cashier_detail(current: CashierPayload | None, new: CashierPayload, pin_changed: bool) -> str:
    """What changed, in words; never the PIN itself."""
    if current is None:
        return f"Alta de {new.name} ({ROLE_LABELS[new.role]})"
    changes = []
    if current.name != new.name:
        changes.append(f"nombre antes {current.name}")
    if current.role is not new.role:
        changes.append(f"rol {ROLE_LABELS[current.role]} → {ROLE_LABELS[new.role]}")
    if current.active != new.active:
        changes.append("activado" if new.active else "desactivado")
    if pin_changed:
        changes.append("NIP nuevo")
    return f"{new.name}: " + (", ".join(changes) if changes else "sin cambios")


# ---- settings -------------------------------------------------------------------------------


def settings_in(tx: Tx, till: Till) -> SettingsPayload:
    """Inside a transaction: the shop's settings; a shop that never saved any gets its name
    and the defaults."""
    return shop.settings_record(tx) or SettingsPayload(id=SETTINGS_ID, shop_name=till.device.shop_name)


def load_settings(till: Till) -> SettingsPayload:
    """The shop's settings as the form shows them (see :func:`settings_in`)."""
    with till.db.read() as tx:
        return settings_in(tx, till)


def normalize_phone(text: str) -> str | None:
    """"55 1234 5678", "(55) 1234-5678" or "+52 55 1234 5678" → "+525512345678"."""
    digits = re.sub(r"[\s()\-.]", "", text)
    if not digits:
        return None
    if digits.startswith("+52"):
        digits = digits[3:]
    elif len(digits) == 12 and digits.startswith("52"):
        digits = digits[2:]
    if not (digits.isascii() and digits.isdigit() and len(digits) == 10):
        raise InvalidSettings("El teléfono debe tener 10 dígitos (p. ej. 55 1234 5678).",
                              code="invalid_phone")
    return "+52" + digits


def shop_settings(*, shop_name: str, address: str, phone: str, rfc: str, timezone: str,
                  receipt_footer: str) -> SettingsPayload:
    """Settings from what was typed in the form: trimmed, normalized, refused in Spanish."""
    name = " ".join(shop_name.split())
    if not name:
        raise InvalidSettings("Escribe el nombre de la tienda.", code="invalid_shop_name")
    rfc = rfc.strip().upper()
    _check_rfc(rfc or None)
    _check_timezone(timezone)
    try:
        return SettingsPayload(
            id=SETTINGS_ID, shop_name=name, address=" ".join(address.split()) or None,
            phone=normalize_phone(phone), rfc=rfc or None, timezone=timezone,
            receipt_footer=" ".join(receipt_footer.split()) or None)
    except ValidationError as exc:
        raise InvalidSettings("Revisa los datos: el nombre admite hasta 200 letras; la dirección y "
                              "el pie del ticket hasta 500.") from exc


def _check_rfc(rfc: str | None) -> None:
    if rfc is not None and (len(rfc) not in (12, 13) or not _RFC.match(rfc)):
        raise InvalidSettings("El RFC debe tener 12 letras y números (persona moral) o 13 "
                              "(persona física), en mayúsculas, p. ej. GOMM800101AB3.",
                              code="invalid_rfc")


def _check_timezone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidSettings("Elige una zona horaria de México.", code="invalid_timezone") from exc
    if timezone not in MEXICO_TIMEZONES:
        raise InvalidSettings("Elige una zona horaria de México.", code="invalid_timezone")


def _check_settings(payload: SettingsPayload) -> None:
    _check_rfc(payload.rfc)
    if payload.phone is not None:
        normalize_phone(payload.phone)
        if not payload.phone.startswith("+52"):
            raise InvalidSettings("El teléfono debe ser de México (+52).", code="invalid_phone")
    _check_timezone(payload.timezone)


def save_settings(till: Till, payload: SettingsPayload, editor: Cashier, *,
                  approver: Cashier | None = None) -> SettingsPayload:
    """Save the shop's data; the permission matrix stored with it is kept as it is (it has its
    own screen and may have changed on another till since this form was loaded)."""
    _check_settings(payload)
    with till.db.write() as tx:
        _require(tx, approver or editor, Permission.SETTINGS)
        current = settings_in(tx, till)
        record = payload.model_copy(update={"id": SETTINGS_ID, "permissions": current.permissions})
        local.save(tx, till, "settings", record, op="upsert")
        _audit(tx, till, "settings", editor, approver, SETTINGS_ID,
               _settings_detail(current, record))
    return record


def _settings_detail(current: SettingsPayload, new: SettingsPayload) -> str:
    labels = {"shop_name": "nombre", "address": "dirección", "phone": "teléfono", "rfc": "RFC",
              "timezone": "zona horaria", "receipt_footer": "pie del ticket"}
    changed = [label for field, label in labels.items()
               if getattr(current, field) != getattr(new, field)]
    return "Datos de la tienda: " + (", ".join(changed) if changed else "sin cambios")


def save_matrix(till: Till, matrix: Mapping[Role, Iterable[Permission]],
                editor: Cashier, *, approver: Cashier | None = None
                ) -> dict[Role, frozenset[Permission]]:
    """Store what the encargado and the cajero may do. Only an owner decides this (a manager
    holding "settings" must not grant themselves more); the owner's own row is never stored:
    the owner always has everything. Returns the matrix as stored now."""
    authority = approver or editor
    if authority.role is not Role.OWNER:
        raise NotAllowed("Solo el dueño puede cambiar los permisos.")
    stored = {role: [p for p in Permission if p in set(matrix.get(role, ()))]
              for role in (Role.MANAGER, Role.CASHIER)}
    with till.db.write() as tx:
        current = settings_in(tx, till)
        before = staff.permission_matrix(tx)
        record = current.model_copy(update={"permissions": stored})
        local.save(tx, till, "settings", record, op="upsert")
        _audit(tx, till, "settings", editor, approver, SETTINGS_ID, _matrix_detail(before, stored))
        return staff.permission_matrix(tx)


def _matrix_detail(before: Mapping[Role, frozenset[Permission]],
                   after: Mapping[Role, list[Permission]]) -> str:
    parts = []
    for role, perms in after.items():
        had = before.get(role, frozenset())
        added = [PERMISSION_LABELS[p] for p in perms if p not in had]
        removed = [PERMISSION_LABELS[p] for p in Permission if p in had and p not in perms]
        if added or removed:
            parts.append(f"{ROLE_LABELS[role]}: " + ", ".join(
                [f"+{a}" for a in added] + [f"−{r}" for r in removed]))
    return "Permisos: " + ("; ".join(parts) if parts else "sin cambios")


# ---- audit log ------------------------------------------------------------------------------


def audit_log(till: Till, action: str | None = None, since: datetime | None = None,
              until: datetime | None = None, limit: int = 500) -> list[AuditRow]:
    """Newest first, with who did it and who authorized it by name. ``since`` is inclusive,
    ``until`` exclusive (aware datetimes; stamps are stored in UTC)."""
    with till.db.read() as tx:
        return audit_rows.rows(tx, action, since, until, limit)


@dataclass(frozen=True, slots=True)
class StaffView:
    """Everything the "Cajeros y permisos" section shows, read in one transaction."""

    cashiers: list[CashierRow]
    settings: SettingsPayload
    matrix: dict[Role, frozenset[Permission]]
    audit: list[AuditRow]


def staff_view(till: Till, action: str | None, first: date, last: date) -> StaffView:
    """The people, the shop's data, the permission matrix and the audit log of the days from
    ``first`` to ``last`` (on the shop's clock)."""
    with till.db.read() as tx:
        settings = settings_in(tx, till)
        since, until = local_day_range(first, last, settings.timezone)
        return StaffView(cashiers.listed(tx), settings, staff.permission_matrix(tx),
                         audit_rows.rows(tx, action, since, until))


def local_day_range(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    """From the start of ``first`` to the end of ``last``, as days on the shop's clock."""
    zone = ZoneInfo(timezone)
    since = datetime.combine(first, time.min, tzinfo=zone)
    until = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return since, until


def local_time(at: datetime, timezone: str) -> str:
    return shown_date_time(at, ZoneInfo(timezone), seconds=True)


_cell = safe_text


def export_audit_csv(path: Path, rows: Iterable[AuditRow], timezone: str) -> int:
    """Write the rows as CSV (UTF-8 with BOM so Excel shows accents); returns how many."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(["Fecha y hora", "Acción", "Quién", "Autorizó", "Detalle"])
        for r in rows:
            out.writerow([local_time(r.at, timezone), ACTION_LABELS.get(r.action, r.action),
                          _cell(r.cashier_name or ""), _cell(r.authorized_by_name or ""),
                          _cell(r.detail or "")])
            count += 1
    return count
