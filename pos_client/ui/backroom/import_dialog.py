"""The import preview: every row of the file with what importing would do, then one confirmation."""

from __future__ import annotations

from typing import Any

from pos_client.services import catalog_io
from pos_client.services.catalog_io import ImportPreview, ImportResult, RowResult
from pos_client.ui.context import AppContext
from pos_client.ui.models import ModelIndex, RowsModel
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QColor,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from shared.money import format_mxn
from shared.permissions import Permission
from shared.spanish import agree, count

_STATUS = {"nuevo": "Nuevo", "actualiza": "Actualiza", "duplicado": "Duplicado", "error": "Error"}
_ERROR_COLOR = QColor("#b00020")
HELP = ("Un producto se reconoce por su código (o, si el renglón no trae código, por su nombre). "
        "En un producto que ya existe, una celda vacía conserva lo que tiene guardado; en uno "
        "nuevo, toma el valor de siempre (IVA 16 %, costo 0, activo). Para borrar un valor, "
        "usa el editor del producto.")


class PreviewModel(RowsModel[RowResult]):
    HEADERS = ("Renglón", "Estado", "Producto", "Precio", "Detalle")

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            price = format_mxn(r.payload.price) if r.payload else ""
            detail = "; ".join([e.split(", ", 1)[-1] for e in r.errors] + list(r.notes))
            return (str(r.row), _STATUS[r.status], r.name, price, detail)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and r.status in ("error", "duplicado"):
            return _ERROR_COLOR
        if role == Qt.ItemDataRole.ToolTipRole and (r.errors or r.notes):
            return "\n".join(r.errors + r.notes)
        return None


class ImportDialog(QDialog):
    """Shows the preview; "Importar N productos válidos" writes them all in one transaction."""

    imported = Signal(str)  # what was done, in Spanish, for the page's status line

    def __init__(self, ctx: AppContext, plan: ImportPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.plan = ctx, plan
        self.setWindowTitle("Importar productos")
        self.resize(960, 560)
        self.model = PreviewModel()
        self.model.set_rows(plan.rows)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(2, 260)
        skipped = [f"{plan.error_count} con error"] if plan.error_count else []
        if plan.duplicate_count:
            skipped.append(f"{count(plan.duplicate_count, 'duplicado')} (ya hay un producto "
                           "activo con ese nombre)")
        summary = (f"{count(plan.new_count, 'nuevo')}, {plan.update_count} "
                   f"{agree(plan.update_count, 'se actualiza', 'se actualizan')}.")
        if skipped:
            summary += " No se importan: " + " y ".join(skipped) + "."
        if plan.ignored_columns:
            summary += " Columnas que no se usan: " + ", ".join(plan.ignored_columns) + "."
        self.summary = QLabel(summary, wordWrap=True)
        self.help = QLabel(HELP, wordWrap=True)
        self.help.setStyleSheet("color: #555;")
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        valid = len(plan.valid)
        self.import_button = QPushButton(
            f"Importar {count(valid, 'producto válido', 'productos válidos')}")
        self.import_button.setEnabled(valid > 0)
        self.cancel_button = QPushButton("Cancelar (Esc)")
        for b in (self.import_button, self.cancel_button):
            b.setMinimumHeight(48)
        self.import_button.clicked.connect(self.run_import)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.help)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

    def run_import(self) -> None:
        self.import_button.setEnabled(False)
        cashier = self.ctx.session.cashier.id if self.ctx.session else None
        approver, plan = self.ctx.approver(Permission.EDIT_CATALOG), self.plan
        Operation(self.ctx, lambda till: catalog_io.apply(till, plan, cashier, authorized_by=approver)
                  ).success(self._done).failure(self._failed).run()

    def _done(self, result: ImportResult) -> None:
        self.imported.emit(f"Importados: {count(result.new, 'nuevo')} y "
                           f"{count(result.updated, 'actualizado')}.")
        self.accept()

    def _failed(self, message: str) -> None:
        self.error.setText(message)
        self.import_button.setEnabled(True)
