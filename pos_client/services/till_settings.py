"""This till's own settings (not the shop's): full screen or a window, how long an approval lasts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pos_client.services import staff
from pos_client.services.till import Till
from pos_client.store.repositories import meta
from shared.errors import DomainError
from shared.permissions import Permission
from shared.spanish import count

DEFAULT_APPROVAL_MINUTES = 5
MAX_APPROVAL_MINUTES = 60  # past an hour an approval is a second log-in, not a grace


class SettingRefused(DomainError):
    code = "till_setting_refused"


@dataclass(frozen=True, slots=True)
class TillSettings:
    # A till is a kiosk: the counter takes the whole display (from 1024×600 up). A window is
    # for a shared desktop computer.
    full_screen: bool = True
    # After an owner or encargado types their PIN to open a back-room section, the other
    # sections they may open stay open for this long (or until the till is locked).
    approval_minutes: int = DEFAULT_APPROVAL_MINUTES


def load(till: Till) -> TillSettings:
    with till.db.read() as tx:
        mode = meta.get(tx, "screen_mode")
        minutes = meta.get_int(tx, "approval_minutes", DEFAULT_APPROVAL_MINUTES)
    return TillSettings(full_screen=mode != "ventana",
                        approval_minutes=min(max(minutes, 0), MAX_APPROVAL_MINUTES))


def save(till: Till, settings: TillSettings, cashier_id: uuid.UUID | None = None, *,
         authorized_by: uuid.UUID | None = None) -> TillSettings:
    """Keep this till's settings; who changed them (and who approved it) holds SETTINGS, and
    the change is audited in the same transaction."""
    if not 0 <= settings.approval_minutes <= MAX_APPROVAL_MINUTES:
        raise SettingRefused(f"Las autorizaciones duran de 0 a {MAX_APPROVAL_MINUTES} minutos.")
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.SETTINGS)
        meta.put_many(tx, {"screen_mode": "completa" if settings.full_screen else "ventana",
                           "approval_minutes": settings.approval_minutes})
        staff.audit(tx, till, "settings", cashier_id=cashier_id, authorized_by=authorized_by,
                    detail=describe(settings))
    return settings


def describe(settings: TillSettings) -> str:
    """"Pantalla completa; autorizaciones por 5 minutos" (the audit log and the page)."""
    screen = "Pantalla completa" if settings.full_screen else "En ventana"
    if settings.approval_minutes == 0:
        return f"{screen}; el NIP se pide en cada sección"
    return f"{screen}; autorizaciones por {count(settings.approval_minutes, 'minuto')}"
