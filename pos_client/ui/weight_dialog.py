"""Asks the weight of an item sold by weight (a granel): "0.250", "250 g", "1.5 kg"."""

from __future__ import annotations

from pos_client.ui.qt import QDialog, QFont, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget
from pos_client.ui.widgets import ERROR_STYLE, touch_button
from shared.errors import DomainError
from shared.money import format_mxn
from shared.quantity import parse_quantity
from shared.sale import line_total


class WeightDialog(QDialog):
    """On accept, ``qty_milli`` holds the weight in grams (thousandths of a kilogram)."""

    def __init__(self, name: str, price_per_kg: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Peso")
        self.setMinimumWidth(420)
        self.price_per_kg = price_per_kg
        self.qty_milli = 0
        font = QFont()
        font.setPointSize(18)
        title = QLabel(f"{name}\n{format_mxn(price_per_kg)} por kg")
        title.setFont(font)
        self.weight = QLineEdit()
        self.weight.setFont(font)
        self.weight.setPlaceholderText("Peso: 0.250 kg o 250 g")
        self.weight.setAccessibleName("Peso")
        self.weight.textChanged.connect(self._preview)
        self.weight.returnPressed.connect(self.try_accept)
        self.amount = QLabel(" ")
        self.amount.setFont(font)
        self.error_label = QLabel()
        self.error_label.setStyleSheet(ERROR_STYLE)
        # A visible way back (Esc does the same): a product picked by mistake is not sold.
        self.cancel_button = touch_button("Cancelar (Esc)", self.reject)
        self.ok_button = touch_button("Agregar (Enter)", self.try_accept)
        actions = QHBoxLayout()
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        for widget in (title, self.weight, self.amount, self.error_label):
            layout.addWidget(widget)
        layout.addLayout(actions)

    def _preview(self) -> None:
        self.error_label.clear()
        try:
            qty = parse_quantity(self.weight.text(), by_weight=True)
            self.amount.setText(f"Importe: {format_mxn(line_total(self.price_per_kg, qty))}")
        except DomainError:
            self.amount.setText(" ")

    def try_accept(self) -> None:
        try:
            self.qty_milli = parse_quantity(self.weight.text(), by_weight=True)
        except DomainError as exc:
            self.error_label.setText(exc.message)
            return
        self.accept()
