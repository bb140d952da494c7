"""The counter window for tests: the owner logged in and the shift open, as after a morning's log-in."""

from __future__ import annotations

from pos_client.services import backroom, staff
from pos_client.services.device import Device
from pos_client.services.staff import Cashier
from pos_client.store.database import Database
from pos_client.sync.agent import SyncAgent
from pos_client.ui.context import AppContext, Session
from pos_client.ui.main_window import MainWindow
from pos_client.ui.worker import Worker
from shared.permissions import Role


def logged_in(db: Database, device: Device, worker: Worker, *, shift: bool = True) -> AppContext:
    with db.read() as conn:
        owners = [c for c in staff.active_cashiers(conn) if c.role is Role.OWNER]
    owner = owners[0] if owners else Cashier(
        backroom.add_cashier(db, device, "Doña Mary", Role.OWNER, "1234"), "Doña Mary", Role.OWNER)
    shift_id = backroom.open_shift(db, device, 50_000, owner.id) if shift else None
    return AppContext(db, device, worker, Session(owner, shift_id))


def counter_window(
    db: Database, device: Device, worker: Worker, agent: SyncAgent | None = None, *,
    shift: bool = True,
) -> MainWindow:
    return MainWindow(logged_in(db, device, worker, shift=shift), agent)
