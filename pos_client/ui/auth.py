"""PIN entry: logging in at the till, and asking someone allowed (e.g. the encargado) to approve."""

from __future__ import annotations

import time
from collections.abc import Callable

from pos_client.services import staff
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from pos_client.ui.context import AppContext
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QDialog,
    QFont,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from pos_client.ui.widgets import ERROR_STYLE, touch_button
from shared.permissions import PERMISSION_LABELS, Permission


class PinDialog(QDialog):
    """A PIN field with a touch keypad. The check runs on the worker thread (argon2 is slow);
    ``granted`` carries the cashier when a PIN is accepted."""

    granted = Signal(object)

    def __init__(self, ctx: AppContext, title: str, prompt: str,
                 permission: Permission | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.permission = ctx, permission
        self.cashier: Cashier | None = None
        self.setWindowTitle(title)
        big = QFont()
        big.setPointSize(20)
        self.prompt = QLabel(prompt)
        self.prompt.setWordWrap(True)
        self.pin_input = QLineEdit()
        self.pin_input.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_input.setFont(big)
        self.pin_input.setMaxLength(8)
        self.pin_input.setAccessibleName("NIP")
        self.pin_input.returnPressed.connect(self.check)
        self.error_label = QLabel(" ")
        self.error_label.setStyleSheet(ERROR_STYLE)
        keypad = QGridLayout()
        for i, key in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "←", "0", "OK"]):
            button = QPushButton(key)
            button.setMinimumSize(72, 56)
            button.setFont(big)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(self._key_handler(key))
            keypad.addWidget(button, i // 3, i % 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.pin_input)
        layout.addWidget(self.error_label)
        layout.addLayout(keypad)
        self.cancel_button: QPushButton | None = None
        if permission is not None:  # an approval can be given up; the log-in is the way in
            self.cancel_button = touch_button("Cancelar (Esc)", self.reject)
            layout.addWidget(self.cancel_button)

    def _key_handler(self, key: str) -> Callable[[], None]:
        def press() -> None:
            if key == "OK":
                self.check()
            elif key == "←":
                self.pin_input.backspace()
            else:
                self.pin_input.insert(key)
        return press

    def check(self) -> None:
        pin = self.pin_input.text()
        if not pin or not self.pin_input.isEnabled():  # Enter and OK together: check once
            return
        self.pin_input.setEnabled(False)
        permission = self.permission

        def verify(till: Till) -> Cashier:
            if permission is None:
                return staff.login(till, pin)
            return staff.authorize(till, pin, permission)

        Operation(self.ctx, verify).success(self._accepted).failure(self._refused).run()

    def _accepted(self, cashier: Cashier) -> None:
        if self.cashier is not None:  # one PIN approves one action, once
            return
        self.cashier = cashier
        self.granted.emit(cashier)
        self.accept()

    def _refused(self, message: str) -> None:
        self.pin_input.setEnabled(True)
        self.pin_input.clear()
        self.pin_input.setFocus()
        self.error_label.setText(message)


def request_permission(
    ctx: AppContext, parent: QWidget, permission: Permission, on_granted: Callable[[Cashier], object],
    grace: bool = False,
) -> PinDialog | None:
    """Run ``on_granted`` with whoever approves ``permission``: the logged-in cashier if their
    role has it (at once), otherwise someone who has it types their PIN. Returns the dialog
    when one was opened (tests drive it).

    ``grace`` (the back room's sections): a PIN typed for one section opens the others its
    owner may open for ``ctx.settings.approval_minutes``, until the till is locked. The
    approver is still handed to ``on_granted``, so every action is audited in their name.
    Counter actions (a discount, a cancellation, the drawer) never use it: one PIN, one action."""
    session = ctx.session
    if session is not None and session.can(permission):
        on_granted(session.cashier)
        return None
    if grace and session is not None and (approver := session.approved_within(
            permission, ctx.settings.approval_minutes, time.monotonic())):
        on_granted(approver)
        return None
    dialog = PinDialog(
        ctx, "Autorización", f"Se necesita autorización para: {PERMISSION_LABELS[permission]}.\n"
        "Que escriba su NIP alguien con permiso.", permission, parent)
    if grace and session is not None:
        def approved(approver: Cashier) -> None:
            if ctx.session is session:  # not after a lock: the approval died with the session
                session.approve(permission, approver, time.monotonic())
        dialog.granted.connect(approved)
    dialog.granted.connect(on_granted)
    dialog.open()
    return dialog
