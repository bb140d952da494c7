"""Cuenta en línea once logged in: plan and usage (``account_plan``), devices with their last
sync and revoke, pairing codes, the shop's integrations (secrets shown masked, typed only to
replace them), the WhatsApp bot, MCP keys (``account_keys``) and scheduled jobs
(``account_jobs``). Every call goes through the page's network worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pos_client.sync.account import OnlineAccount
from pos_client.ui.backroom.account_jobs import JobsTab
from pos_client.ui.backroom.account_keys import McpKeysTab
from pos_client.ui.backroom.account_plan import PlanTab
from pos_client.ui.backroom.fiscal_tab import FiscalTab
from pos_client.ui.qt import (
    QCheckBox,
    QComboBox,
    QDesktopServices,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QUrl,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import button, say
from shared.account import BotOut, DeviceOut, IntegrationsOut, PairingCodeOut
from shared.clock import shown_date_time

if TYPE_CHECKING:
    from pos_client.ui.backroom.account_page import AccountPage


class AccountView(QWidget):
    def __init__(self, page: AccountPage, account: OnlineAccount) -> None:
        super().__init__()
        self.page, self.account = page, account
        self.zone = ZoneInfo("America/Mexico_City")
        # Opens Checkout or the portal in the browser; tests and screenshots replace it.
        self.open_url: Callable[[str], object] = lambda url: QDesktopServices.openUrl(QUrl(url))
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.tabs = QTabWidget()
        self.plan_tab, self.devices_tab = PlanTab(self), DevicesTab(self)
        self.pairing_tab, self.integrations_tab = PairingTab(self), IntegrationsTab(self)
        self.bot_tab, self.keys_tab = BotTab(self), McpKeysTab(self)
        self.jobs_tab, self.fiscal_tab = JobsTab(self), FiscalTab(self)
        # The fiscal form is taller and wider than a 1366×768 or 1024×600 screen leaves it: it
        # scrolls, so the back room keeps fitting the screen (issue 12).
        fiscal = QScrollArea()
        fiscal.setWidgetResizable(True)
        fiscal.setFrameShape(QScrollArea.Shape.NoFrame)
        fiscal.setWidget(self.fiscal_tab)
        for tab, title in ((self.plan_tab, "Plan y uso"), (self.devices_tab, "Dispositivos"),
                           (self.pairing_tab, "Códigos de vinculación"),
                           (self.integrations_tab, "Integraciones"),
                           (self.bot_tab, "Bot de WhatsApp"), (self.keys_tab, "Claves MCP"),
                           (self.jobs_tab, "Tareas"), (fiscal, "Datos fiscales")):
            self.tabs.addTab(tab, title)
        top = QHBoxLayout()
        top.addWidget(self.message, 1)
        top.addWidget(button("Cerrar sesión", page.log_out))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)

    def load(self) -> None:
        self.plan_tab.load()
        self.devices_tab.load()
        self.integrations_tab.load()
        self.bot_tab.load()
        self.keys_tab.load()
        self.jobs_tab.load()
        self.fiscal_tab.load()

    def call(self, call: Callable[[OnlineAccount], Any], then: Callable[[Any], Any]) -> None:
        account = self.account
        self.page.online(lambda _till: call(account), then)

    def local(self, when: datetime | None) -> str:
        return shown_date_time(when, self.zone) if when else "—"

    def done(self, text: str) -> None:
        say(self.message, text, ok=True)


class DevicesTab(QWidget):
    def __init__(self, view: AccountView) -> None:
        super().__init__()
        self.view = view
        self.devices: list[DeviceOut] = []
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Caja", "Código", "Última sincronización", "Estado"])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.revoke_button = button("Dar de baja la caja elegida", self.ask_revoke)
        self.confirm: QMessageBox | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.revoke_button)

    def load(self) -> None:
        self.view.call(lambda a: a.devices(), self.show_devices)

    def show_devices(self, devices: list[DeviceOut]) -> None:
        self.devices = devices
        self.table.setRowCount(len(devices))
        for i, d in enumerate(devices):
            for col, text in enumerate((d.name, d.code, self.view.local(d.last_sync_at),
                                        "Dada de baja" if d.revoked else "Activa")):
                self.table.setItem(i, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def ask_revoke(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.devices) or self.devices[row].revoked:
            say(self.view.message, "Elige una caja activa de la lista.")
            return
        device = self.devices[row]
        box = QMessageBox(QMessageBox.Icon.Warning, "Dar de baja",
                          f"¿Dar de baja «{device.name}» ({device.code})? Dejará de sincronizar; "
                          "para usarla otra vez hay que vincularla con un código nuevo.", parent=self)
        self.confirm_yes = box.addButton("Dar de baja", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Cancelar", QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(lambda b: self.revoke(device) if b is self.confirm_yes else None)
        self.confirm = box
        box.open()

    def revoke(self, device: DeviceOut) -> None:
        def revoked(_: DeviceOut) -> None:
            self.view.done(f"«{device.name}» quedó dada de baja.")
            self.load()
            self.view.plan_tab.load()

        self.view.call(lambda a: a.revoke(device.device_id), revoked)


class PairingTab(QWidget):
    def __init__(self, view: AccountView) -> None:
        super().__init__()
        self.view = view
        self.code = QLabel("")
        self.code.setStyleSheet("font-size: 32pt; font-weight: bold; letter-spacing: 4px;")
        self.expires = QLabel("Crea un código y escríbelo en la caja nueva (vale 10 minutos y "
                              "sirve una sola vez).")
        self.expires.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(button("Crear código de vinculación", self.new_code))
        layout.addWidget(self.code)
        layout.addWidget(self.expires)
        layout.addStretch(1)

    def new_code(self) -> None:
        self.view.call(lambda a: a.pairing_code(), self.show_code)

    def show_code(self, issued: PairingCodeOut) -> None:
        self.code.setText(f"{issued.code[:4]}-{issued.code[4:]}")
        self.expires.setText(f"Vale hasta las {self.view.local(issued.expires_at)[-5:]} y sirve "
                             "una sola vez.")


class IntegrationsTab(QWidget):
    def __init__(self, view: AccountView) -> None:
        super().__init__()
        self.view = view
        self.known: IntegrationsOut | None = None
        self.saved = QLabel("Cargando…")
        self.saved.setWordWrap(True)
        self.saved.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.kind = QComboBox()
        self.kind.currentIndexChanged.connect(self.show_form)
        self.form_box = QWidget()
        self.form = QFormLayout(self.form_box)
        self.fields: dict[tuple[str, str], QLineEdit | QComboBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.saved)
        layout.addWidget(self.kind)
        layout.addWidget(self.form_box)
        layout.addWidget(button("Guardar integración", self.save))
        layout.addStretch(1)

    def load(self) -> None:
        self.view.call(lambda a: a.integrations(), self.show_integrations)

    def show_integrations(self, found: IntegrationsOut) -> None:
        self.known = found
        lines = [f"<b>{i.label}</b>: " + ", ".join(
            [f"{k}={v}" for k, v in i.settings.items() if v]
            + [f"{k} {v}" for k, v in i.secrets.items()]) for i in found.saved]
        lines += [f"Notificaciones de {w.provider}: {w.url}" for w in found.webhooks]
        self.saved.setText("<br>".join(lines) or "Todavía no hay integraciones guardadas.")
        current = self.kind.currentData()
        self.kind.blockSignals(True)
        self.kind.clear()
        for k in found.kinds:
            self.kind.addItem(k.label, k.kind)
        self.kind.blockSignals(False)
        index = self.kind.findData(current)
        self.kind.setCurrentIndex(max(index, 0))
        self.show_form()

    def show_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        if self.known is None or self.kind.currentData() is None:
            return
        kind = next(k for k in self.known.kinds if k.kind == self.kind.currentData())
        saved = next((i for i in self.known.saved if i.kind == kind.kind), None)
        for name, label in kind.settings.items():
            field: QLineEdit | QComboBox
            if name in kind.choices:
                field = QComboBox()
                field.addItems(kind.choices[name])
                field.setCurrentText(str(saved.settings.get(name, "")) if saved else "")
            else:
                field = QLineEdit(str(saved.settings.get(name, "") or "") if saved else "")
            self.fields[("settings", name)] = field
            self.form.addRow(label, field)
        for name, label in kind.secrets.items():
            field = QLineEdit()
            field.setEchoMode(QLineEdit.EchoMode.Password)
            shown = saved.secrets.get(name) if saved else None
            field.setPlaceholderText(f"guardada {shown}: escribe otra para cambiarla" if shown
                                     else "sin guardar")
            self.fields[("secrets", name)] = field
            self.form.addRow(label, field)

    def save(self) -> None:
        kind = self.kind.currentData()
        settings: dict[str, str] = {}
        secrets: dict[str, str | None] = {}
        for (part, name), field in self.fields.items():
            value = field.currentText() if isinstance(field, QComboBox) else field.text()
            if part == "settings":
                settings[name] = value.strip()
            else:
                secrets[name] = value.strip() or None  # left empty: keep the saved one

        def saved(_: object) -> None:
            self.view.done("Integración guardada. Las claves se guardan cifradas y solo se "
                           "muestran sus últimos cuatro caracteres.")
            self.load()

        self.view.call(lambda a: a.save_integration(kind, settings, secrets), saved)


class BotTab(QWidget):
    def __init__(self, view: AccountView) -> None:
        super().__init__()
        self.view = view
        self.enabled = QCheckBox("El bot contesta a los clientes por WhatsApp")
        self.greeting = QLineEdit()
        self.greeting.setPlaceholderText("Saludo (opcional)")
        self.state = QLabel("Cargando…")
        self.state.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.enabled)
        layout.addWidget(self.greeting)
        layout.addWidget(button("Guardar", self.save))
        layout.addWidget(self.state)
        layout.addStretch(1)

    def load(self) -> None:
        self.view.call(lambda a: a.bot(), self.show_bot)

    def show_bot(self, bot: BotOut) -> None:
        self.enabled.setChecked(bot.enabled)
        self.greeting.setText(bot.greeting or "")
        if bot.answering:
            self.state.setText("El bot está contestando.")
        elif not bot.allowed_by_plan:
            self.state.setText("Tu plan no incluye el bot de WhatsApp: cámbialo en «Plan y uso».")
        else:
            self.state.setText("El bot está apagado.")

    def save(self) -> None:
        enabled, greeting = self.enabled.isChecked(), self.greeting.text().strip() or None

        def saved(bot: BotOut) -> None:
            self.show_bot(bot)
            self.view.done("Ajustes del bot guardados.")

        self.view.call(lambda a: a.save_bot(enabled, greeting), saved)
