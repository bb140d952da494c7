"""Cuenta en línea → Claves MCP: the keys an owner's AI app (Claude, ChatGPT…) uses to reach
the shop's tools. Make one (its secret shown this once, with a copy button), see them by name,
permission, dates and a masked hint, revoke one after a confirmation. The server keeps only a
hash; the till keeps nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos_client.ui.qt import (
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import button, say
from shared.account import CreatedMcpKey, McpKeyOut

if TYPE_CHECKING:
    from pos_client.ui.backroom.account_tabs import AccountView

COLUMNS = ["Nombre", "Clave", "Permiso", "Creada", "Último uso", "Estado"]
SECRET_STYLE = "font-family: monospace; font-size: 12pt; padding: 6px; background: #f4f4f4;"
WARNING_STYLE = "color: #7a4b00; background: #fff4d6; padding: 8px; border-radius: 4px;"


def permission(key: McpKeyOut) -> str:
    return "consultar y cambiar" if key.can_write else "solo consultar"


class McpKeysTab(QWidget):
    def __init__(self, view: AccountView) -> None:
        super().__init__()
        self.view = view
        self.keys: list[McpKeyOut] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText("Nombre de la clave, p. ej. «Claude de la casa»")
        self.name.setMaxLength(80)
        self.can_write = QCheckBox("Puede cambiar cosas (precios, pedidos, clientes)")
        self.create_button = button("Crear clave", self.make_key)
        # The new key, shown once: read-only but selectable, with a copy button and a warning.
        self.secret_box = QWidget()
        self.secret = QLineEdit()
        self.secret.setReadOnly(True)
        self.secret.setStyleSheet(SECRET_STYLE)
        self.copy_button = QPushButton("Copiar")
        self.copy_button.clicked.connect(self.copy_secret)
        self.warning = QLabel("")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(WARNING_STYLE)
        secret_row = QHBoxLayout()
        secret_row.addWidget(self.secret, 1)
        secret_row.addWidget(self.copy_button)
        secret_row.addWidget(button("Ya la guardé", self.forget_secret, height=32))
        secret_layout = QVBoxLayout(self.secret_box)
        secret_layout.addWidget(self.warning)
        secret_layout.addLayout(secret_row)
        self.secret_box.hide()
        self.shown: CreatedMcpKey | None = None  # the key whose secret is on screen
        self.confirm: QMessageBox | None = None
        make = QHBoxLayout()
        make.addWidget(self.name, 1)
        make.addWidget(self.can_write)
        make.addWidget(self.create_button)
        intro = QLabel("Con una clave MCP, tu app de IA consulta la tienda (ventas, existencias, "
                       "fiados). Sin «puede cambiar cosas» solo consulta. Revoca la clave de una "
                       "app que ya no uses.")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(make)
        layout.addWidget(self.secret_box)
        layout.addWidget(self.table, 1)
        layout.addWidget(button("Revocar la clave elegida", self.ask_revoke))

    def load(self) -> None:
        self.view.call(lambda a: a.mcp_keys(), self.show_keys)

    def show_keys(self, keys: list[McpKeyOut]) -> None:
        self.keys = keys
        self.table.setRowCount(len(keys))
        for i, k in enumerate(keys):
            cells = (k.name, k.hint, permission(k), self.view.local(k.created_at),
                     self.view.local(k.last_used_at) if k.last_used_at else "nunca",
                     "Revocada" if k.revoked else "Vigente")
            for col, text in enumerate(cells):
                self.table.setItem(i, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def make_key(self) -> None:
        name, can_write = self.name.text(), self.can_write.isChecked()
        self.view.call(lambda a: a.create_mcp_key(name, can_write), self.show_created)

    def show_created(self, key: CreatedMcpKey) -> None:
        self.name.clear()
        self.can_write.setChecked(False)
        self.shown = key
        self.secret.setText(key.token)
        self.warning.setText(f"Esta es la clave «{key.name}». Cópiala ahora y pégala en tu app "
                             "de IA: por seguridad no se vuelve a mostrar. Si la pierdes, revócala "
                             "y crea otra.")
        self.secret_box.show()
        self.view.done(f"Clave «{key.name}» creada.")
        self.load()

    def copy_secret(self) -> None:
        QApplication.clipboard().setText(self.secret.text())
        self.view.done("Clave copiada. Pégala en tu app de IA.")

    def forget_secret(self) -> None:
        self.shown = None
        self.secret.clear()
        self.secret_box.hide()

    def ask_revoke(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.keys) or self.keys[row].revoked:
            say(self.view.message, "Elige una clave vigente de la lista.")
            return
        key = self.keys[row]
        box = QMessageBox(QMessageBox.Icon.Warning, "Revocar clave",
                          f"¿Revocar «{key.name}» ({key.hint})? La app que la usa deja de "
                          "entrar a la tienda en ese momento y no se puede deshacer.", parent=self)
        self.confirm_yes = box.addButton("Revocar", QMessageBox.ButtonRole.AcceptRole)
        self.confirm_no = box.addButton("Cancelar", QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(lambda b: self.revoke(key) if b is self.confirm_yes else None)
        self.confirm = box
        box.open()

    def revoke(self, key: McpKeyOut) -> None:
        def revoked(_: McpKeyOut) -> None:
            if self.shown is not None and self.shown.key_id == key.key_id:
                self.forget_secret()  # its secret is of no use any more
            self.view.done(f"La clave «{key.name}» quedó revocada.")
            self.load()

        self.view.call(lambda a: a.revoke_mcp_key(key.key_id), revoked)
