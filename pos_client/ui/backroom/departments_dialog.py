"""The shop's departments: add, rename (its products follow), switch off and on."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pos_client.services import catalog_admin
from pos_client.services.catalog_admin import Department
from pos_client.services.till import Till
from pos_client.ui.context import AppContext
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from shared.permissions import Permission


class DepartmentsDialog(QDialog):
    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Departamentos")
        self.resize(520, 480)
        self.name = QLineEdit(placeholderText="Nombre del departamento")
        self.list = QListWidget()
        self.list.setStyleSheet("QListWidget::item { min-height: 40px; }")
        self.list.currentItemChanged.connect(
            lambda item, _: self.name.setText(self._selected().name if item else ""))
        self.name.setMinimumHeight(48)
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        grid = QGridLayout()
        for i, (text, slot) in enumerate((("Agregar", self.add), ("Renombrar", self.rename),
                                          ("Activar / desactivar", self.toggle),
                                          ("Cerrar (Esc)", self.accept))):
            button = QPushButton(text)
            button.setMinimumHeight(48)
            button.clicked.connect(slot)
            grid.addWidget(button, i // 2, i % 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.name)
        layout.addWidget(self.error)
        layout.addLayout(grid)
        self.load()

    def load(self) -> None:
        Operation(self.ctx, lambda till: catalog_admin.departments(till, include_inactive=True)
                  ).success(self._show).failure(self.error.setText).run()

    def _show(self, rows: list[Department]) -> None:
        self.list.clear()
        for d in rows:
            item = QListWidgetItem(d.name if d.active else f"{d.name} (inactivo)")
            item.setData(Qt.ItemDataRole.UserRole, d)
            self.list.addItem(item)

    def _selected(self) -> Department:
        department: Department = self.list.currentItem().data(Qt.ItemDataRole.UserRole)
        return department

    def _cashier(self) -> uuid.UUID | None:
        return self.ctx.session.cashier.id if self.ctx.session else None

    def _approver(self) -> uuid.UUID | None:
        return self.ctx.approver(Permission.EDIT_CATALOG)

    def _run(self, change: Callable[[Till, uuid.UUID | None, uuid.UUID | None], Any]) -> None:
        """Run ``change(till, cashier, approver)``; then the list and the catalog page reload."""
        def done(_: Any) -> None:
            self.error.clear()
            self.load()
            self.changed.emit()

        cashier, approver = self._cashier(), self._approver()
        Operation(self.ctx, lambda till: change(till, cashier, approver)).success(done).failure(
            self.error.setText).run()

    def add(self) -> None:
        name = self.name.text()
        self._run(lambda till, cashier, approver: catalog_admin.add_department(
            till, name, cashier, authorized_by=approver))

    def rename(self) -> None:
        if self.list.currentItem() is None:
            self.error.setText("Elige el departamento que quieres renombrar.")
            return
        dept, name = self._selected(), self.name.text()
        self._run(lambda till, cashier, approver: catalog_admin.rename_department(
            till, dept.id, name, cashier, authorized_by=approver))

    def toggle(self) -> None:
        if self.list.currentItem() is None:
            self.error.setText("Elige un departamento.")
            return
        dept = self._selected()
        self._run(lambda till, cashier, approver: catalog_admin.set_department_active(
            till, dept.id, not dept.active, cashier, authorized_by=approver))
