"""The owner's login typed in the back room for an act only the owner may do on the shop's CFDI
(cancelling one, a credit note again): a row of two fields shown inside a dialog
(``OwnerLoginRow``), and a small dialog of its own for «Volver a emitir nota»
(``NoteAgainDialog``). The server checks the password (throttled as Cuenta en línea's login);
the session is then kept for the back-room visit, as Cuenta en línea keeps its own."""

from __future__ import annotations

import uuid

from pos_client.sync import invoicing
from pos_client.ui.context import AppContext
from pos_client.ui.invoice_dialog import ServerCalls
from pos_client.ui.operations import Operation
from pos_client.ui.qt import QDialog, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget
from pos_client.ui.widgets import say, touch_button
from pos_client.ui.worker import Worker

ASK = ("Lo hace la dueña o el dueño: escribe el correo o teléfono y la contraseña de la cuenta "
       "en línea.")


class OwnerLoginRow(QWidget):
    """Correo o teléfono and Contraseña side by side (one row: the cancel dialog must still fit
    a 1024×600 screen with the receptor form)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.login = QLineEdit()
        self.login.setPlaceholderText("correo@ejemplo.mx o +525512345678")
        self.login.setAccessibleName("Correo o teléfono de la dueña o el dueño")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Contraseña")
        self.password.setAccessibleName("Contraseña de la cuenta en línea")
        for field in (self.login, self.password):
            field.setMinimumHeight(44)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Dueña o dueño:"))
        row.addWidget(self.login, 3)
        row.addWidget(self.password, 2)

    def credentials(self) -> tuple[str, str] | None:
        """What was typed, or None while a field is empty."""
        login, password = self.login.text().strip(), self.password.text()
        return (login, password) if login and password else None


class NoteAgainDialog(QDialog):
    """«Volver a emitir nota» when this till holds no owner session: the login, then the act."""

    def __init__(self, ctx: AppContext, note_id: uuid.UUID, name: str, net: Worker,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.note_id, self.net = ctx, note_id, net
        self.done_ok = False
        self.setWindowTitle(f"Volver a emitir la nota {name}")
        self.row = OwnerLoginRow()
        self.row.password.returnPressed.connect(self.submit)
        self.message = QLabel(ASK)
        self.message.setWordWrap(True)
        self.ok_button = touch_button("Emitir nota nueva", self.submit)
        buttons = QHBoxLayout()
        buttons.addWidget(touch_button("Cerrar (Esc)", self.reject))
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Se emite una nota de crédito nueva en lugar de la {name}."))
        layout.addWidget(self.row)
        layout.addWidget(self.message, 1)
        layout.addLayout(buttons)

    def submit(self) -> None:
        login = self.row.credentials()
        if login is None:
            say(self.message, ASK)
            return
        note_id, owner = self.note_id, self.ctx.owner_login
        self.ok_button.setEnabled(False)
        say(self.message, "Entrando y pidiendo la nota nueva al servidor…", ok=True)
        Operation(ServerCalls(self.ctx.till, self.net),
                  lambda till: invoicing.note_again(owner, till.device, note_id, login)
                  ).success(lambda _: self._done()).failure(self._failed).run()

    def _done(self) -> None:
        self.done_ok = True
        self.accept()

    def _failed(self, message: str) -> None:
        self.ok_button.setEnabled(True)
        self.row.password.clear()
        say(self.message, message)
