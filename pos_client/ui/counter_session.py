"""The counter's session: who is at the till (PIN log-in, a new shop's owner) and the open shift."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, cast

from pos_client.services import backroom, cortes, counter, staff
from pos_client.services.staff import Cashier
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.sync.agent import SyncAgent
from pos_client.ui.auth import PinDialog
from pos_client.ui.context import AppContext, Session
from pos_client.ui.counter_dialogs import FirstOwnerDialog, OpenShiftDialog
from pos_client.ui.qt import QAbstractTableModel, QLabel, QLineEdit, QTableView, QWidget
from pos_client.ui.worker import Worker
from shared.errors import DomainError
from shared.money import format_mxn
from shared.permissions import Permission, Role

if TYPE_CHECKING:
    from pos_client.ui.backroom.window import BackRoomWindow


class _CounterParts:
    """What the counter's parts read from the window (declared for type checking)."""

    ctx: AppContext
    db: Database
    device: Device
    worker: Worker
    agent: SyncAgent | None
    scan_input: QLineEdit
    message_label: QLabel

    def say(self, text: str, error: bool = False) -> None: ...

    def _failed(self, exc: BaseException) -> None: ...

    def _table(self, model: QAbstractTableModel) -> QTableView:
        raise NotImplementedError

    @property
    def as_widget(self) -> QWidget:
        """The window itself, as the parent of the dialogs these parts open."""
        return cast(QWidget, self)

    def _run_search(self, add_single_match: bool = False, qty: str | None = None) -> None: ...


class SessionFlow(_CounterParts):
    session_label: QLabel
    back_room: BackRoomWindow | None = None

    def start_session(self) -> None:
        """Log a cashier in by PIN (a new shop creates its owner first), then make sure the
        shift is open, asking for the float if not."""
        self.worker.submit(lambda: staff.has_cashiers(self.db), self._login_or_create_owner)

    def _login_or_create_owner(self, has_cashiers: bool) -> None:
        if not has_cashiers:
            dialog = FirstOwnerDialog(self.as_widget)
            self.owner_dialog = dialog

            def create() -> None:
                assert dialog.values is not None
                name, pin = dialog.values
                self.worker.submit(
                    lambda: Cashier(backroom.add_cashier(self.db, self.device, name, Role.OWNER,
                                                         pin), name, Role.OWNER),
                    self._logged_in, self._session_failed)

            dialog.accepted.connect(create)
            dialog.open()
            return
        dialog_ = PinDialog(self.ctx, "Entrar a la caja", "Escribe tu NIP para empezar.",
                            parent=self.as_widget)
        self.login_dialog = dialog_
        dialog_.granted.connect(self._logged_in)
        dialog_.open()

    def _logged_in(self, cashier: Cashier) -> None:
        def load() -> tuple[dict[Role, frozenset[Permission]], uuid.UUID | None]:
            with self.db.read() as conn:
                return staff.permission_matrix(conn), counter.open_shift_of(conn, self.device.device_id)

        def ready(found: tuple[dict[Role, frozenset[Permission]], uuid.UUID | None]) -> None:
            matrix, shift_id = found
            self.ctx.session = Session(cashier, shift_id, matrix)
            self._show_session()
            if shift_id is None:
                self.ask_float()
            else:
                self.scan_input.setFocus()  # straight to selling

        self.worker.submit(load, ready, self._session_failed)

    def ask_float(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        dialog = OpenShiftDialog(session.cashier.name, self.as_widget)
        self.shift_dialog = dialog

        def open_it() -> None:
            amount, cashier_id = dialog.amount, session.cashier.id

            def opened(shift_id: uuid.UUID) -> None:
                session.shift_id = shift_id
                self._show_session()
                self.say(f"Turno abierto con {format_mxn(amount)} de fondo.")
                self.scan_input.setFocus()

            self.worker.submit(lambda: cortes.open_shift(self.ctx.till, amount, cashier_id),
                               opened, self._session_failed)

        dialog.accepted.connect(open_it)
        dialog.open()

    def _session_failed(self, exc: BaseException) -> None:
        self.say(exc.message if isinstance(exc, DomainError)
                 else "No se pudo abrir la sesión. Intenta de nuevo.", error=True)

    def lock(self) -> None:
        """Ctrl+L: the cashier steps away; the next one logs in with their PIN. The back room
        closes too: a page opened with someone's approval must not stay open for the next."""
        back_room = getattr(self, "back_room", None)
        if back_room is not None:
            back_room.close()
            self.back_room = None
        self.ctx.session = None
        self._show_session()
        self.start_session()

    def _show_session(self) -> None:
        session = self.ctx.session
        if session is None:
            self.session_label.setText("Sin cajero: escribe tu NIP (Ctrl+L)")
        else:
            shift = "turno abierto" if session.shift_id else "sin turno"
            self.session_label.setText(f"Cajero: {session.cashier.name} · {shift}  (Ctrl+L cambia)")

    def _ready_to_sell(self) -> bool:
        session = self.ctx.session
        if session is None:
            self.say("Entra con tu NIP para vender.", error=True)
            self.start_session()
            return False
        if session.shift_id is None:
            self.say("Abre el turno (fondo de caja) para vender.", error=True)
            self.ask_float()
            return False
        return True

