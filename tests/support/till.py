"""The counter in tests: opened as after a morning's log-in, and driven as a cashier would (type,
scan, pay, type a PIN)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from pos_client.services import cortes
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.sync.agent import SyncAgent
from pos_client.ui.context import AppContext, Session
from pos_client.ui.main_window import MainWindow
from pos_client.ui.qt import Qt
from pos_client.ui.worker import Worker
from shared.permissions import Role
from tests.support.backroom import owner_of
from tests.support.builders import cashier
from tests.support.qt import show_active


def person_typing(win: MainWindow) -> None:
    """150 ms between keys: a person, never a scanner burst (qtbot types faster than both)."""
    clock = [0.0]

    def slow() -> float:
        clock[0] += 150
        return clock[0]

    win._now_ms = slow


def scanner_typing(win: MainWindow) -> None:
    """5 ms between keys: a USB scanner's burst."""
    clock = [0.0]

    def fast() -> float:
        clock[0] += 5
        return clock[0]

    win._now_ms = fast


def logged_in(db: Database, device: Device, worker: Worker, *, shift: bool = True) -> AppContext:
    till = Till(db, device)
    owner = owner_of(till)
    shift_id = cortes.open_shift(till, 50_000, owner.id) if shift else None
    return AppContext(till, worker, Session(owner, shift_id))


def counter_window(
    db: Database, device: Device, worker: Worker, agent: SyncAgent | None = None, *,
    shift: bool = True,
) -> MainWindow:
    return MainWindow(logged_in(db, device, worker, shift=shift), agent)


def open_counter(qtbot: Any, ctx: AppContext) -> MainWindow:
    """The counter with ``ctx``'s cashier logged in and the shift open (float $500)."""
    ctx.session.shift_id = cortes.open_shift(ctx.till, 50_000, ctx.session.cashier.id)
    win = MainWindow(ctx)
    person_typing(win)
    qtbot.addWidget(win)
    show_active(qtbot, win)
    qtbot.waitUntil(lambda: ctx.worker.idle and win.products_model.rowCount() > 0)
    return win


def type_enter(qtbot: Any, win: MainWindow, typed: str) -> None:
    """Type into the scan field, press Enter, wait for the lookup."""
    qtbot.keyClicks(win.scan_input, typed)
    qtbot.keyClick(win.scan_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.worker.idle)


def pay_cash(qtbot: Any, win: MainWindow, amount: str) -> None:
    """In the open payment dialog: type the cash received, Enter, wait for the saved sale."""
    before = win.last_receipt
    dialog = win.payment_dialog
    qtbot.keyClicks(dialog.received, amount)
    qtbot.keyClick(dialog.received, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.worker.idle and win.last_receipt is not before)
    show_active(qtbot, win)  # the dialog closed: the counter has the keyboard again


def enter_pin(qtbot: Any, dialog: Any, pin: str) -> None:
    dialog.pin_input.clear()
    qtbot.keyClicks(dialog.pin_input, pin)
    qtbot.keyClick(dialog.pin_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.pin_input.isEnabled() or not dialog.isVisible(), timeout=10_000)


def as_cashier(ctx: AppContext) -> Cashier:
    """Pepe (cajero, NIP 0000) takes the till: no permission to discount, cancel, over-fiar or
    open the drawer without a sale."""
    pepe = cashier(ctx.till, "Pepe", Role.CASHIER, "0000")
    assert ctx.session is not None
    ctx.session.cashier = pepe
    return pepe


def rows(db_or_window: Any, sql: str, **params: Any) -> list[Any]:
    db = db_or_window.ctx.till.db if isinstance(db_or_window, MainWindow) else db_or_window
    with db.read() as conn:
        return conn.execute(text(sql), params).all()
