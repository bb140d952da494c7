"""The counter's session: who is at the till (PIN log-in, a new shop's owner) and the open shift."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from pos_client.services import cortes, counter, staff, staff_admin
from pos_client.services.counter import CounterSession
from pos_client.services.staff import Cashier
from pos_client.ui.auth import PinDialog
from pos_client.ui.context import Session
from pos_client.ui.counter_dialogs import FirstOwnerDialog, OpenShiftDialog
from pos_client.ui.counter_parts import CounterParts
from pos_client.ui.operations import Operation
from pos_client.ui.qt import QLabel
from shared.money import format_mxn

if TYPE_CHECKING:
    from pos_client.ui.backroom.window import BackRoomWindow


class SessionFlow(CounterParts):
    session_label: QLabel
    back_room: BackRoomWindow | None = None

    def start_session(self) -> None:
        """Log a cashier in by PIN (a new shop creates its owner first), then make sure the
        shift is open, asking for the float if not."""
        Operation(self.ctx, staff.has_cashiers).success(
            self._login_or_create_owner).failure(self._session_failed).run()

    def _login_or_create_owner(self, has_cashiers: bool) -> None:
        if not has_cashiers:
            dialog = FirstOwnerDialog(self.as_widget)
            self.owner_dialog = dialog

            def create() -> None:
                assert dialog.values is not None
                name, pin = dialog.values
                Operation(self.ctx, lambda till: staff_admin.create_first_owner(till, name, pin)
                          ).success(self._logged_in).failure(self._session_failed).run()

            dialog.accepted.connect(create)
            dialog.open()
            return
        dialog_ = PinDialog(self.ctx, "Entrar a la caja", "Escribe tu NIP para empezar.",
                            parent=self.as_widget)
        self.login_dialog = dialog_
        dialog_.granted.connect(self._logged_in)
        dialog_.open()

    def _logged_in(self, cashier: Cashier) -> None:
        def ready(found: CounterSession) -> None:
            self.ctx.session = Session(cashier, found.shift_id, found.matrix)
            self.ctx.zone = found.zone
            self._show_session()
            if found.shift_id is None:
                self.ask_float()
            else:
                self.scan_input.setFocus()  # straight to selling

        Operation(self.ctx, counter.session_for).success(ready).failure(
            self._session_failed).run()

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

            Operation(self.ctx, lambda till: cortes.open_shift(till, amount, cashier_id)).success(
                opened).failure(self._session_failed).run()

        dialog.accepted.connect(open_it)
        dialog.open()

    def _session_failed(self, message: str) -> None:
        self.say(message, error=True)

    def lock(self) -> None:
        """Ctrl+L: the cashier steps away; the next one logs in with their PIN. The back room
        closes too: a page opened with someone's approval must not stay open for the next."""
        back_room = getattr(self, "back_room", None)
        if back_room is not None:
            back_room.close()
            self.back_room = None
        self.ctx.session = None
        self._close_preview()
        self.say("")  # the next cashier must not see the last customer's change
        self.clear_scan()
        self._show_session()
        self.start_session()

    def _show_session(self) -> None:
        session = self.ctx.session
        if session is None:
            self.session_label.setText("Sin cajero: escribe tu NIP (Ctrl+L)")
        else:
            shift = "turno abierto" if session.shift_id else "sin turno"
            # "Atiende", not "Cajero": Doña Mary is the owner, and a role is not how she is
            # addressed at her own counter (issue 12).
            self.session_label.setText(f"Atiende: {session.cashier.name} · {shift}  (Ctrl+L cambia)")

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

