"""Cuenta en línea: the owner logs in to the shop's online account (email or phone and
password), or resets a forgotten password with a code on their WhatsApp; once in, the tabs of
``account_tabs``. It needs the internet and says so plainly when there is none, showing the
plan as the till last heard it. Nothing here can stop the counter.

Network calls run on a worker of their own: a server that does not answer must never hold up
the counter's database work, which waits on the till's worker.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from pos_client.services.plan import KnownPlan, known_plan
from pos_client.services.till import Till
from pos_client.sync.account import (
    AccountOffline,
    OnlineAccount,
    finish_password_reset,
    start_password_reset,
)
from pos_client.ui.backroom.account_tabs import AccountView
from pos_client.ui.context import AppContext
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import button, font, say
from pos_client.ui.worker import Worker

OFFLINE_STYLE = "color: #7a4b00; background: #fff4d6; padding: 8px; border-radius: 4px;"


class AccountPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.network = Worker("pos-online")
        self.net_ctx = dataclasses.replace(ctx, worker=self.network)
        self.account: OnlineAccount | None = None
        self.view: AccountView | None = None
        self.offline = False

        title = QLabel("Cuenta en línea")
        title.setFont(font(18, bold=True))
        self.connection = QLabel("")
        self.connection.setWordWrap(True)
        self.known = QLabel("")  # the plan as the till last heard it (offline included)
        self.known.setWordWrap(True)
        self.stack = QStackedWidget()
        self.login_view = self._login_view()
        self.stack.addWidget(self.login_view)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.connection)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.known)
        self.destroyed.connect(lambda *_: self.network.shutdown(wait=False))
        self.refresh_known_plan()
        if ctx.owner_login.account is not None:  # the owner typed it to cancel a CFDI
            self._logged_in(ctx.owner_login.account)

    # ---- logging in -------------------------------------------------------------------------

    def _login_view(self) -> QWidget:
        view = QWidget()
        self.login = QLineEdit()
        self.login.setPlaceholderText("correo@ejemplo.mx o +525512345678")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.log_in)
        self.enter = button("Entrar", self.log_in)
        self.forgot = button("Olvidé mi contraseña", self.ask_reset_code)
        self.message = QLabel("Entra con el correo o teléfono y la contraseña de la dueña o el "
                              "dueño de la tienda.")
        self.message.setWordWrap(True)
        self.reset_box = QWidget()
        self.reset_code = QLineEdit()
        self.reset_code.setPlaceholderText("6 dígitos")
        self.new_password = QLineEdit()
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.change_password = button("Cambiar contraseña y entrar", self.reset_password)
        reset_form = QFormLayout(self.reset_box)
        reset_form.addRow("Código de WhatsApp", self.reset_code)
        reset_form.addRow("Contraseña nueva", self.new_password)
        reset_form.addRow(self.change_password)
        self.reset_box.hide()

        form = QFormLayout()
        form.addRow("Correo o teléfono", self.login)
        form.addRow("Contraseña", self.password)
        buttons = QHBoxLayout()
        buttons.addWidget(self.enter)
        buttons.addWidget(self.forgot)
        buttons.addStretch(1)
        layout = QVBoxLayout(view)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.reset_box)
        layout.addStretch(1)
        return view

    def log_in(self) -> None:
        login, password = self.login.text(), self.password.text()
        self._busy(True)
        self.online(lambda till: OnlineAccount.log_in(till.device, login, password),
                    self._logged_in)

    def ask_reset_code(self) -> None:
        login = self.login.text()
        if not login.strip():
            say(self.message, "Escribe primero tu correo o teléfono.")
            return
        self._busy(True)

        def sent(text: str) -> None:
            self._connected(True)
            say(self.message, text, ok=True)
            self.reset_box.show()
            self.reset_code.setFocus()

        self.online(lambda till: start_password_reset(till.device, login), sent)

    def reset_password(self) -> None:
        login, code, new = self.login.text(), self.reset_code.text(), self.new_password.text()
        self._busy(True)
        self.online(lambda till: finish_password_reset(till.device, login, code, new),
                    self._logged_in)

    def _logged_in(self, account: OnlineAccount) -> None:
        self._connected(True)
        self.account = self.ctx.owner_login.account = account
        self.password.clear()
        self.new_password.clear()
        self.reset_box.hide()
        self.view = AccountView(self, account)
        self.stack.addWidget(self.view)
        self.stack.setCurrentWidget(self.view)
        self.known.hide()  # the server's own answer is on screen now
        self.view.load()

    def log_out(self) -> None:
        self.account = self.ctx.owner_login.account = None
        if self.view is not None:
            self.stack.removeWidget(self.view)
            self.view.deleteLater()
            self.view = None
        self.stack.setCurrentWidget(self.login_view)
        self.known.show()
        say(self.message, "Cerraste la sesión de la cuenta en línea.", ok=True)

    # ---- talking to the server --------------------------------------------------------------

    def online(self, call: Callable[[Till], Any], then: Callable[[Any], Any],
               failed: Callable[[str], Any] | None = None) -> None:
        """Run ``call(till)`` on the network worker; ``then`` with its answer on the Qt thread,
        or the Spanish reason on ``failed`` (the page's message line by default)."""
        def refused(reason: str) -> None:
            (failed or self._refused)(reason)

        def run(till: Till) -> Any:
            try:
                return call(till)
            except AccountOffline:
                self.offline = True
                raise

        self.offline = False
        Operation(self.net_ctx, run).success(then).failure(refused).always(
            lambda: self._busy(False)).run()

    def _refused(self, reason: str) -> None:
        self._connected(not self.offline)
        target = self.view.message if self.view is not None else self.message
        say(target, reason)

    def _connected(self, yes: bool) -> None:
        if yes:
            say(self.connection, "En línea con el servidor de la tienda.", ok=True)
        else:
            self.connection.setStyleSheet(OFFLINE_STYLE)
            self.connection.setText("Sin conexión: la Cuenta en línea necesita internet. La caja "
                                    "sigue vendiendo, fiando y haciendo cortes como siempre.")
            self.refresh_known_plan()

    def _busy(self, busy: bool) -> None:
        for b in (self.enter, self.forgot, self.change_password):
            b.setEnabled(not busy)

    # ---- the plan known offline ---------------------------------------------------------------

    def refresh_known_plan(self) -> None:
        Operation(self.ctx, known_plan).success(self._show_known).run()

    def _show_known(self, known: KnownPlan | None) -> None:
        if known is None:
            self.known.setText("Esta caja todavía no recibe el plan de la tienda (se recibe al "
                               "sincronizar).")
            return
        self.known.setText(f"Plan según la última sincronización: {known.force.limits.name} — "
                           f"{known.status_label}. {known.force.note}")
