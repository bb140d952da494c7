"""Picking products from the starter catalog, by department, to start a shop's catalog."""

from __future__ import annotations

from itertools import groupby

from pos_client.services import catalog_admin
from pos_client.ui.context import AppContext
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from shared.catalog import StarterProduct
from shared.money import format_mxn
from shared.permissions import Permission
from shared.spanish import agree, count

_CHECKED, _UNCHECKED = Qt.CheckState.Checked, Qt.CheckState.Unchecked


class StarterDialog(QDialog):
    """The starter products with checkboxes; those the shop already has are marked and locked."""

    added = Signal(str)

    def __init__(self, ctx: AppContext, items: list[StarterProduct], present: set[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Catálogo inicial")
        self.resize(720, 540)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Producto", "Precio", "Código"])
        self.tree.setColumnWidth(0, 380)
        self.tree.setStyleSheet("QTreeView::item { min-height: 36px; }")
        self.items: dict[str, tuple[StarterProduct, QTreeWidgetItem]] = {}
        by_department = sorted(items, key=lambda p: (p.department, p.name))
        for department, group in groupby(by_department, key=lambda p: p.department):
            parent_item = QTreeWidgetItem(self.tree, [department])
            parent_item.setFlags(parent_item.flags() | Qt.ItemFlag.ItemIsAutoTristate
                                 | Qt.ItemFlag.ItemIsUserCheckable)
            for product in group:
                self._add(parent_item, product, product.barcode in present)
        self.tree.expandAll()
        self.note = QLabel(f"{len(present & {p.barcode for p in items})} ya están en tu catálogo "
                           "(marcados «ya está»). Las existencias se capturan después en Inventario.",
                           wordWrap=True)
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.add_button = QPushButton("Agregar seleccionados")
        self.cancel_button = QPushButton("Cancelar (Esc)")
        for b in (self.add_button, self.cancel_button):
            b.setMinimumHeight(48)
        self.add_button.clicked.connect(self.add_selected)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

    def _add(self, parent: QTreeWidgetItem, product: StarterProduct, present: bool) -> None:
        suffix = " /kg" if product.sold_by_weight else ""
        name = f"{product.name} (ya está)" if present else product.name
        item = QTreeWidgetItem(parent, [name, format_mxn(product.price) + suffix, product.barcode])
        if present:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
        else:
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, _UNCHECKED)
        self.items[product.barcode] = (product, item)

    def set_checked(self, barcode: str, checked: bool = True) -> None:
        self.items[barcode][1].setCheckState(0, _CHECKED if checked else _UNCHECKED)

    def chosen(self) -> list[StarterProduct]:
        return [p for p, item in self.items.values()
                if item.flags() & Qt.ItemFlag.ItemIsEnabled and item.checkState(0) == _CHECKED]

    def add_selected(self) -> None:
        chosen = self.chosen()
        if not chosen:
            self.error.setText("Marca al menos un producto.")
            return
        self.add_button.setEnabled(False)
        cashier = self.ctx.session.cashier.id if self.ctx.session else None
        approver = self.ctx.approver(Permission.EDIT_CATALOG)
        Operation(self.ctx, lambda till: catalog_admin.add_starter(
            till, chosen, cashier, authorized_by=approver)).success(self._done).failure(
            self._failed).run()

    def _done(self, added: int) -> None:
        self.added.emit(f"{agree(added, 'Agregado')} {count(added, 'producto')} del catálogo inicial.")
        self.accept()

    def _failed(self, message: str) -> None:
        self.error.setText(message)
        self.add_button.setEnabled(True)
