"""Cash payment: what the customer hands over, quick-bill buttons, and the change to give back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shared.errors import DomainError
from shared.money import Centavos, format_mxn, parse_mxn
from shared.sale import PaymentMethod, Tender, settle

QUICK_BILLS = (2000, 5000, 10000, 20000, 50000)


def _big(size: int) -> QFont:
    font = QFont()
    font.setPointSize(size)
    font.setBold(True)
    return font


class PaymentDialog(QDialog):
    """Enter charges when the cash received covers the total; ``tenders`` holds the result."""

    def __init__(self, total: Centavos, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cobrar")
        self.setMinimumWidth(460)
        self.total = total
        self.tenders: list[Tender] = []

        total_label = QLabel(f"Total: {format_mxn(total)}")
        total_label.setFont(_big(26))
        self.received = QLineEdit()
        self.received.setFont(_big(20))
        self.received.setPlaceholderText("Efectivo recibido")
        self.received.setAccessibleName("Efectivo recibido")
        self.received.textChanged.connect(self._update)
        self.received.returnPressed.connect(self.try_accept)
        self.change_label = QLabel()
        self.change_label.setFont(_big(20))
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)

        bills = QGridLayout()
        exact = QPushButton("Exacto")
        exact.setMinimumHeight(56)
        exact.clicked.connect(lambda: self.received.setText(f"{total / 100:.2f}"))
        bills.addWidget(exact, 0, 0)
        for i, bill in enumerate(QUICK_BILLS, start=1):
            button = QPushButton(format_mxn(bill).replace(".00", ""))
            button.setMinimumHeight(56)
            button.clicked.connect(lambda _=False, b=bill: self.received.setText(str(b // 100)))
            bills.addWidget(button, i // 3, i % 3)

        self.charge_button = QPushButton("Cobrar (Enter)")
        self.charge_button.setMinimumHeight(56)
        self.charge_button.clicked.connect(self.try_accept)
        cancel = QPushButton("Cancelar (Esc)")
        cancel.setMinimumHeight(56)
        cancel.clicked.connect(self.reject)
        actions = QHBoxLayout()
        actions.addWidget(cancel)
        actions.addWidget(self.charge_button)

        layout = QVBoxLayout(self)
        layout.addWidget(total_label, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.received)
        layout.addLayout(bills)
        layout.addWidget(self.change_label, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.error_label)
        layout.addLayout(actions)
        # Enter belongs to the amount field (returnPressed); a dialog's auto-default button
        # would otherwise also fire on Enter and, e.g., overwrite the amount with "Exacto".
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)
        self._update()

    def _tenders(self) -> list[Tender]:
        return [Tender(PaymentMethod.CASH, parse_mxn(self.received.text()))]

    def _update(self) -> None:
        self.error_label.clear()
        try:
            change = settle(self.total, self._tenders()).change
            self.change_label.setText(f"Cambio: {format_mxn(change)}")
        except DomainError:
            self.change_label.setText("Cambio: —")

    def try_accept(self) -> None:
        try:
            tenders = self._tenders()
            settle(self.total, tenders)
        except DomainError as exc:
            self.error_label.setText(exc.message)
            return
        self.tenders = tenders
        self.accept()
