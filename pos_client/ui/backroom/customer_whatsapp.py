"""Beside a customer's statement: whether WhatsApp messages reach them yet ("pendiente de
confirmar" until they wrote to the shop or sent a code), a button that gets them a code, and
where their last message stands (the server's message_status records, read from the store).

Asked of the server while the till is online (pos_client/sync/whatsapp.py); offline, or on a
till that works alone, it says so instead of guessing.
"""

from __future__ import annotations

import uuid

from pos_client.services import messages
from pos_client.services.messages import LastMessage
from pos_client.sync import whatsapp
from pos_client.sync.client import SyncRefused
from pos_client.ui.context import AppContext
from pos_client.ui.qt import (
    QDialog,
    QFont,
    QHBoxLayout,
    QLabel,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import ERROR_STYLE, OK_STYLE, button
from shared.sync.protocol import WhatsAppCodeOut, WhatsAppConsentOut

OFFLINE = "WhatsApp: sin conexión con el servidor, no se puede saber si ya está confirmado."
NOT_SYNCED = ("WhatsApp pendiente de confirmar: el cliente aún no llega al servidor (se envía con "
              "la próxima sincronización).")


class WhatsAppConsent(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.customer_id: uuid.UUID | None = None
        self.state: str | None = None  # the server's answer for the customer shown
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.confirm_button = button("Confirmar WhatsApp", self.ask_code)
        self.confirm_button.setVisible(False)
        self.code_dialog: QDialog | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.confirm_button)

    def show_for(self, customer_id: uuid.UUID | None, has_phone: bool) -> None:
        """The customer now shown (None: nobody); asks the server unless the till works alone."""
        self.customer_id, self.state = customer_id, None
        self.confirm_button.setVisible(False)
        device = self.ctx.till.device
        if customer_id is None or not device.paired or not has_phone:
            self.label.setText("")
            return
        self.label.setStyleSheet("")
        self.label.setText("WhatsApp: consultando…")
        self.ctx.worker.submit(lambda: whatsapp.consent(device, customer_id),
                               lambda answer: self._shown(customer_id, answer),
                               lambda exc: self._failed(customer_id, exc))

    def refresh(self) -> None:
        if self.customer_id is not None:
            self.show_for(self.customer_id, True)

    def _shown(self, customer_id: uuid.UUID, answer: WhatsAppConsentOut) -> None:
        if customer_id != self.customer_id:
            return  # another customer was opened meanwhile
        self.state = answer.state
        self.label.setStyleSheet(OK_STYLE if answer.state == "confirmado" else ERROR_STYLE)
        self.label.setText(answer.message)
        self.confirm_button.setVisible(answer.state == "pendiente_de_confirmar")

    def _failed(self, customer_id: uuid.UUID, exc: BaseException) -> None:
        if customer_id != self.customer_id:
            return
        self.label.setStyleSheet(ERROR_STYLE)
        if isinstance(exc, SyncRefused):
            self.label.setText(NOT_SYNCED if exc.code == "unknown_customer"
                               else f"WhatsApp: {exc.message}")
        else:
            self.label.setText(OFFLINE)

    def ask_code(self) -> None:
        """A one-time code for the customer at the counter to send from their WhatsApp."""
        customer_id, device = self.customer_id, self.ctx.till.device
        if customer_id is None:
            return
        self.confirm_button.setEnabled(False)

        def shown(code: WhatsAppCodeOut) -> None:
            self.confirm_button.setEnabled(True)
            self.code_dialog = code_dialog(self, code)
            self.code_dialog.finished.connect(lambda _: self.refresh())
            self.code_dialog.open()

        def failed(exc: BaseException) -> None:
            self.confirm_button.setEnabled(True)
            self._failed(customer_id, exc)

        self.ctx.worker.submit(lambda: whatsapp.code_for(device, customer_id), shown, failed)


class LastMessageLine(QLabel):
    """The customer's newest message and where it stands: "En cola", "Enviado", "Entregado",
    "Leído", "No se pudo enviar: <motivo>", "Este servidor no tiene WhatsApp configurado".
    The server's word arrives with each sync, so the store is read again every few seconds
    while a customer is shown (a local read: no network)."""

    REFRESH_MS = 3000

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWordWrap(True)
        self.customer_id: uuid.UUID | None = None
        self.last: LastMessage | None = None
        self._timer = QTimer(self, interval=self.REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

    def show_for(self, customer_id: uuid.UUID | None) -> None:
        if customer_id != self.customer_id:
            self.last = None
            self.setText("")
        self.customer_id = customer_id
        if customer_id is None:
            self._timer.stop()
            return
        self._timer.start()
        till = self.ctx.till
        self.ctx.worker.submit(lambda: messages.last_message(till, customer_id),
                               lambda last: self._shown(customer_id, last))

    def refresh(self) -> None:
        customer_id, till = self.customer_id, self.ctx.till
        if customer_id is None or not self.isVisible():
            return  # the back room is closed or on another page: nothing to keep fresh
        self.ctx.worker.submit(lambda: messages.last_message(till, customer_id),
                               lambda last: self._shown(customer_id, last))

    def _shown(self, customer_id: uuid.UUID, last: LastMessage | None) -> None:
        if customer_id != self.customer_id:
            return  # another customer was opened meanwhile
        self.last = last
        self.setText(last.text if last else "")
        self.setStyleSheet(OK_STYLE if last is None or last.ok else ERROR_STYLE)


def code_dialog(parent: QWidget, code: WhatsAppCodeOut) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle("Confirmar WhatsApp del cliente")
    big = QFont()
    big.setPointSize(36)
    big.setBold(True)
    shown = QLabel(code.code)
    shown.setFont(big)
    shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    note = QLabel(code.instructions)
    note.setWordWrap(True)
    layout = QVBoxLayout(dialog)
    layout.addWidget(shown, alignment=Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(note)
    layout.addWidget(button("Listo", dialog.accept))
    dialog.code_label = shown  # type: ignore[attr-defined]
    return dialog
