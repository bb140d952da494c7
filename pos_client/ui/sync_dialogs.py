"""Sync-related dialogs: changes that need attention, and a code to pair another till."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from pos_client.services.sync_queue import Rejected
from pos_client.ui.models import ModelIndex, RowsModel
from pos_client.ui.qt import QDialog, QFont, QLabel, Qt, QTableView, QVBoxLayout, QWidget
from pos_client.ui.widgets import back_button
from shared.clock import DEFAULT_ZONE, shown_date_time, shown_time
from shared.sync.protocol import PairingCodeOut

ENTITY_NAMES = {
    "sale": "Venta", "sale_return": "Devolución", "inventory_movement": "Movimiento de inventario",
    "product": "Producto", "customer": "Cliente", "fiado_charge": "Fiado",
    "fiado_payment": "Abono", "cash_movement": "Movimiento de efectivo", "shift_open": "Apertura",
    "shift_close": "Corte", "category": "Departamento", "cashier": "Cajero",
    "settings": "Configuración", "order_status": "Pedido",
}


class RejectedModel(RowsModel[Rejected]):
    HEADERS = ("Nº", "Qué", "Cuándo", "Motivo")

    def __init__(self, zone: tzinfo = DEFAULT_ZONE) -> None:
        super().__init__()
        self.zone = zone

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        r = self._rows[index.row()]
        when = shown_date_time(datetime.fromisoformat(r.created_at), self.zone)
        reason = r.message or r.code or ""
        return (str(r.device_seq), ENTITY_NAMES.get(r.entity, r.entity), when, reason)[index.column()]


def rejected_dialog(parent: QWidget, model: RejectedModel, view: QTableView) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle("Cambios que requieren atención")
    dialog.resize(760, 380)
    note = QLabel("El servidor no aceptó estos cambios. Se guardan en esta caja y no detienen a "
                  "los demás. Muéstralos a soporte.")
    note.setWordWrap(True)
    layout = QVBoxLayout(dialog)
    layout.addWidget(note)
    layout.addWidget(view)
    layout.addWidget(back_button(dialog))
    return dialog


def pairing_code_dialog(parent: QWidget, code: PairingCodeOut, zone: tzinfo = DEFAULT_ZONE
                        ) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle("Vincular otra caja")
    big = QFont()
    big.setPointSize(36)
    big.setBold(True)
    shown = QLabel(f"{code.code[:4]}-{code.code[4:]}")
    shown.setFont(big)
    shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    until = shown_time(code.expires_at, zone)
    help_text = QLabel(f"Escribe este código en la caja nueva. Sirve una sola vez, hasta las {until}.")
    help_text.setWordWrap(True)
    layout = QVBoxLayout(dialog)
    layout.addWidget(shown, alignment=Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(help_text)
    layout.addWidget(back_button(dialog))
    dialog.code_label = shown  # type: ignore[attr-defined]
    return dialog
