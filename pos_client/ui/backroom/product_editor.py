"""The product list and the product form of the back room's Productos page."""

from __future__ import annotations

import uuid
from typing import Any

from pos_client.services import catalog_admin
from pos_client.services.catalog_admin import Product, ProductDraft, ProductRefused
from pos_client.ui.models import ModelIndex, RowsModel
from pos_client.ui.qt import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    Qt,
    QWidget,
)
from pos_client.ui.widgets import button
from shared.errors import DomainError
from shared.fiscal import CLAVE_SIN_CATALOGO, UNIDAD_KILO, UNIDAD_PIEZA
from shared.money import format_mxn, parse_mxn
from shared.quantity import format_quantity, quantity_text
from shared.sync.payloads import ProductPayload
from shared.tax import IvaRate

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_NO_DEPARTMENT = "(sin departamento)"


class CatalogModel(RowsModel[Product]):
    HEADERS = ("Producto", "Código", "Depto.", "Precio", "Exist.")

    def product(self, row: int) -> Product:
        return self._rows[row]

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        p = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            suffix = " /kg" if p.sold_by_weight else ""
            return (p.name, p.barcode or "", p.department or "", format_mxn(p.price) + suffix,
                    format_quantity(p.stock_milli, p.sold_by_weight))[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 3:
            return _RIGHT
        return None


def _money(text: str, label: str, field: str, optional: bool = False) -> int | None:
    if optional and not text.strip():
        return None
    try:
        return parse_mxn(text or "0", allow_negative=True)
    except DomainError as exc:
        raise ProductRefused(f"{label}: {exc.message}", field=field) from None


class ProductEditor(QWidget):
    """Every field of one product; turns what was typed into a draft, or a Spanish refusal."""

    def __init__(self) -> None:
        super().__init__()
        self.product_id: uuid.UUID | None = None
        self.name = QLineEdit()
        self.codes = QListWidget()
        self.codes.setMaximumHeight(80)
        self.codes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.new_code = QLineEdit(placeholderText="Escanea un código")
        self.new_code.returnPressed.connect(self.add_code)
        self.department = QComboBox()
        self.cost, self.price = QLineEdit(), QLineEdit()
        self.wholesale_price, self.wholesale_min = QLineEdit(), QLineEdit()
        self.by_weight = QComboBox()
        self.by_weight.addItems(["Por pieza", "A granel (kg)"])
        self.iva = QComboBox()
        for rate in IvaRate:
            self.iva.addItem(rate.label, rate)
        self.ieps, self.minimum = QLineEdit(), QLineEdit()
        # SAT's keys for the product's invoice concepts; empty: the generic ones.
        self.sat_key = QLineEdit(placeholderText=CLAVE_SIN_CATALOGO, maxLength=8)
        self.sat_unit = QLineEdit(placeholderText=f"{UNIDAD_PIEZA} o {UNIDAD_KILO}", maxLength=3)
        self.sat_key.setToolTip("Clave de producto o servicio del SAT (8 dígitos) para facturar; "
                                "vacía: 01010101.")
        self.active = QCheckBox("Se vende")
        self.active.setToolTip("Desmárcalo para que no aparezca en la caja sin borrarlo.")
        for w in (self.name, self.new_code, self.cost, self.price, self.wholesale_price,
                  self.wholesale_min, self.ieps, self.minimum, self.department, self.by_weight,
                  self.iva, self.sat_key, self.sat_unit):
            w.setMinimumHeight(40)
        for combo in (self.department, self.by_weight, self.iva):
            # Sized by a few letters, not by the longest name, so the form fits a narrow pane.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        # Wide enough for a whole EAN-13 and the placeholder: a code is never cut to "750100…".
        code_width = self.codes.fontMetrics().horizontalAdvance("7501055003013") + 28
        self.codes.setMinimumWidth(code_width)
        self.new_code.setMinimumWidth(max(code_width, self.new_code.fontMetrics()
                                          .horizontalAdvance(self.new_code.placeholderText()) + 16))
        add_row, list_row = QHBoxLayout(), QHBoxLayout()
        add_row.addWidget(self.new_code, 1)
        add_row.addWidget(button("Agregar", self.add_code))
        list_row.addWidget(self.codes, 1)
        list_row.addWidget(button("Quitar", self.remove_code), 0, Qt.AlignmentFlag.AlignTop)
        form = QFormLayout(self)
        form.addRow("Nombre", self.name)
        form.addRow("Códigos", add_row)
        form.addRow("", list_row)
        form.addRow("Departamento", self.department)
        form.addRow("Se vende", self.by_weight)
        form.addRow("Costo", self.cost)
        form.addRow("Precio", self.price)
        form.addRow("Precio mayoreo", self.wholesale_price)
        form.addRow("Mayoreo desde", self.wholesale_min)
        form.addRow("IVA", self.iva)
        form.addRow("IEPS %", self.ieps)
        form.addRow("Mínimo", self.minimum)
        form.addRow("Clave SAT", self.sat_key)
        form.addRow("Unidad SAT", self.sat_unit)
        form.addRow("Activo", self.active)
        self.clear()

    def set_departments(self, names: list[str]) -> None:
        current = self.department.currentText()
        self.department.clear()
        self.department.addItems([_NO_DEPARTMENT, *names])
        self._choose_department(current)

    def _choose_department(self, name: str | None) -> None:
        if name and self.department.findText(name) < 0:
            self.department.addItem(name)  # an old or imported name not in the list (yet)
        self.department.setCurrentText(name or _NO_DEPARTMENT)

    def add_code(self) -> None:
        code = self.new_code.text().strip()
        if code and not self.codes.findItems(code, Qt.MatchFlag.MatchExactly):
            self.codes.addItem(code)
        self.new_code.clear()

    def remove_code(self) -> None:
        for item in self.codes.selectedItems():
            self.codes.takeItem(self.codes.row(item))

    def clear(self) -> None:
        self.show_product(None)

    def show_product(self, p: ProductPayload | None) -> None:
        self.product_id = p.id if p else None
        self.name.setText(p.name if p else "")
        self.codes.clear()
        self.codes.addItems(p.barcodes if p else [])
        self.new_code.clear()
        self._choose_department(p.department if p else None)
        weight = bool(p and p.sold_by_weight)
        self.by_weight.setCurrentIndex(1 if weight else 0)
        self.cost.setText(format_mxn(p.cost) if p else "")
        self.price.setText(format_mxn(p.price) if p else "")
        wholesale = p.wholesale_price if p else None
        self.wholesale_price.setText(format_mxn(wholesale) if wholesale is not None else "")
        self.wholesale_min.setText(quantity_text(p.wholesale_min_milli)
                                   if p and wholesale is not None else "")
        self.iva.setCurrentIndex(self.iva.findData(p.iva if p else IvaRate.GENERAL))
        self.ieps.setText(catalog_admin.pct_text(p.ieps_bp) if p else "0")
        self.minimum.setText(quantity_text(p.min_stock_milli) if p else "0")
        self.sat_key.setText((p.sat_product_key or "") if p else "")
        self.sat_unit.setText((p.sat_unit_key or "") if p else "")
        self.active.setChecked(p.active if p else True)

    def field_widget(self, field: str) -> QWidget | None:
        """Where to type to fix a refused field (``ProductRefused.field``)."""
        widgets: dict[str, QWidget] = {
            "nombre": self.name, "codigos": self.new_code, "precio": self.price,
            "costo": self.cost, "precio_mayoreo": self.wholesale_price,
            "cantidad_mayoreo": self.wholesale_min, "ieps": self.ieps, "minimo": self.minimum,
            "clave_sat": self.sat_key, "unidad_sat": self.sat_unit}
        return widgets.get(field)

    def draft(self) -> ProductDraft:
        """What the form says; raises :class:`ProductRefused` for text that is not a number."""
        weight = self.by_weight.currentIndex() == 1
        department = self.department.currentText()
        wholesale_min = self.wholesale_min.text().strip()
        return ProductDraft(
            id=self.product_id, name=self.name.text(),
            barcodes=tuple(self.codes.item(i).text() for i in range(self.codes.count())),
            department=None if department == _NO_DEPARTMENT else department,
            price=_money(self.price.text(), "Precio", "precio") or 0,
            cost=_money(self.cost.text(), "Costo", "costo") or 0,
            wholesale_price=_money(self.wholesale_price.text(), "Precio mayoreo", "precio_mayoreo",
                                   optional=True),
            wholesale_min_milli=catalog_admin.parse_qty(wholesale_min, weight, "cantidad_mayoreo")
            if wholesale_min else 0,
            sold_by_weight=weight, iva=IvaRate(self.iva.currentData()),
            ieps_bp=catalog_admin.parse_pct(self.ieps.text() or "0"),
            min_stock_milli=catalog_admin.parse_qty(self.minimum.text() or "0", weight, "minimo"),
            active=self.active.isChecked(), sat_product_key=self.sat_key.text(),
            sat_unit_key=self.sat_unit.text())
