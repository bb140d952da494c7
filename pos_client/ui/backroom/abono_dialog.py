"""An abono at the back room: how much (or "Todo"), and how it was paid; saved on the worker."""

from __future__ import annotations

from pos_client.services import accounts
from pos_client.ui.context import AppContext
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from pos_client.ui.widgets import ERROR_STYLE, button
from shared.errors import DomainError
from shared.fiado import Account
from shared.money import format_mxn, parse_mxn
from shared.sale import PaymentMethod
from shared.sync.payloads import FiadoPaymentPayload


class AbonoDialog(QDialog):
    """An abono: how much (or "Todo"), and how it was paid; saved on the worker."""

    saved = Signal(object)  # FiadoPaymentPayload

    def __init__(self, ctx: AppContext, parent: QWidget | None, account: Account) -> None:
        super().__init__(parent)
        self.ctx, self.account = ctx, account
        self.setWindowTitle("Registrar abono")
        self.setMinimumWidth(480)
        header = QLabel(f"<b>{account.name}</b><br>Saldo: {format_mxn(account.balance)}")
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("Importe del abono")
        self.amount.setMinimumHeight(48)
        self.amount.returnPressed.connect(self.save)
        everything = button("Todo", lambda: self.amount.setText(accounts.plain_pesos(account.balance)))
        self.methods = QButtonGroup(self)
        methods = QHBoxLayout()
        for method, label in accounts.METHOD_LABELS.items():
            choice = QPushButton(label.capitalize())
            choice.setCheckable(True)
            choice.setMinimumHeight(48)
            choice.setProperty("method", method.value)
            self.methods.addButton(choice)
            methods.addWidget(choice)
        self.methods.buttons()[0].setChecked(True)
        self.methods.buttonToggled.connect(lambda *_: self._method_changed())
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("Referencia (terminal o SPEI)")
        self.reference.setMinimumHeight(44)
        self.reference.returnPressed.connect(self.save)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.save_button = button("Guardar abono (Enter)", self.save, 56)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(everything)
        actions = QHBoxLayout()
        actions.addWidget(button("Cancelar (Esc)", self.reject, 56))
        actions.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(amount_row)
        layout.addLayout(methods)
        layout.addWidget(self.reference)
        layout.addWidget(self.error)
        layout.addLayout(actions)
        self._method_changed()

    def method(self) -> PaymentMethod:
        checked = self.methods.checkedButton()
        return PaymentMethod(checked.property("method")) if checked else PaymentMethod.CASH

    def choose_method(self, method: PaymentMethod) -> None:
        next(b for b in self.methods.buttons() if b.property("method") == method.value).setChecked(True)

    def _method_changed(self) -> None:
        self.reference.setEnabled(self.method() is not PaymentMethod.CASH)

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        try:
            amount = parse_mxn(self.amount.text())
        except DomainError as exc:
            self.error.setText(exc.message)
            return
        method = self.method()
        reference = self.reference.text() if method is not PaymentMethod.CASH else ""
        self.save_button.setEnabled(False)
        self.error.clear()
        session = self.ctx.session  # who takes the money, into which shift's drawer
        cashier_id = session.cashier.id if session else None
        shift_id = session.shift_id if session else None
        customer_id = self.account.id
        Operation(self.ctx, lambda till: accounts.pay(
            till, customer_id, amount, method, reference=reference, cashier_id=cashier_id,
            shift_id=shift_id)).success(self._saved).failure(self._failed).run()

    def _saved(self, payment: FiadoPaymentPayload) -> None:
        self.saved.emit(payment)
        self.accept()

    def _failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.error.setText(message)
