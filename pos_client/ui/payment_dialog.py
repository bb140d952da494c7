"""Charging a ticket: cash with quick bills and change, card and transfer with their reference,
fiado to a customer within their credit, or any mix of them."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from pos_client.services.accounts import Account
from pos_client.services.staff import Cashier
from pos_client.ui.auth import request_permission
from pos_client.ui.context import AppContext
from pos_client.ui.customer_picker import CustomerPicker
from pos_client.ui.qt import (
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import ERROR_STYLE, font, touch_button
from shared.errors import DomainError, InvalidAmount
from shared.money import Centavos, format_mxn, parse_mxn
from shared.permissions import Permission
from shared.sale import PaymentMethod, Tender, cash_needs_confirmation, settle

QUICK_BILLS = (2000, 5000, 10000, 20000, 50000)
METHOD_LABELS = {PaymentMethod.CASH: "Efectivo", PaymentMethod.CARD: "Tarjeta",
                 PaymentMethod.TRANSFER: "Transferencia", PaymentMethod.FIADO: "Fiado"}


class TenderDialog(QDialog):
    """Amount and reference of a card, transfer or fiado payment."""

    def __init__(self, method: PaymentMethod, remaining: Centavos, parent: QWidget | None = None,
                 note: str = "") -> None:
        super().__init__(parent)
        self.method = method
        self.setWindowTitle(METHOD_LABELS[method])
        self.tender: Tender | None = None
        self.amount = QLineEdit(f"{remaining / 100:.2f}")
        self.amount.setFont(font(18, bold=True))
        self.amount.setAccessibleName("Importe")
        self.reference = QLineEdit()
        self.reference.setFont(font(14, bold=True))
        self.reference.setMaxLength(60)
        self.reference.setAccessibleName("Referencia")
        self.reference.setPlaceholderText({
            PaymentMethod.CARD: "Número de autorización de la terminal",
            PaymentMethod.TRANSFER: "Clave de rastreo o referencia SPEI/CoDi",
            PaymentMethod.FIADO: "Nota (opcional)",
        }.get(method, ""))
        self.error_label = QLabel(note or " ")
        self.error_label.setStyleSheet(ERROR_STYLE if not note else "")
        self.error_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Importe", self.amount)
        form.addRow("Referencia" if method is not PaymentMethod.FIADO else "Nota", self.reference)
        for edit in (self.amount, self.reference):
            edit.setMinimumHeight(44)
            edit.returnPressed.connect(self.try_accept)
        actions = QHBoxLayout()
        actions.addWidget(touch_button("Cancelar (Esc)", self.reject))
        actions.addWidget(touch_button("Aceptar (Enter)", self.try_accept))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addLayout(actions)
        (self.reference if method is PaymentMethod.TRANSFER else self.amount).setFocus()
        self.amount.selectAll()

    def try_accept(self) -> None:
        try:
            amount = parse_mxn(self.amount.text())
            if amount <= 0:
                raise InvalidAmount("El importe debe ser mayor que cero.")
            reference = self.reference.text().strip()
            if self.method is PaymentMethod.TRANSFER and not reference:
                raise DomainError("Escribe la referencia o clave de rastreo de la transferencia.")
        except DomainError as exc:
            self.error_label.setStyleSheet(ERROR_STYLE)
            self.error_label.setText(exc.message)
            return
        self.tender = Tender(self.method, amount, reference or None)
        self.accept()


class PaymentDialog(QDialog):
    """Accepts when the tenders cover the total; ``tenders``, ``customer_id`` and
    ``fiado_override_by`` hold the result."""

    def __init__(self, total: Centavos, parent: QWidget | None = None,
                 ctx: AppContext | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cobrar")
        self.setMinimumWidth(520)
        self.ctx, self.total = ctx, total
        self.tenders: list[Tender] = []
        self.others: list[Tender] = []  # card, transfer and fiado tenders added so far
        self.customer_id: uuid.UUID | None = None
        self.customer_name = ""
        self.available_credit: Centavos | None = None
        self.fiado_override_by: uuid.UUID | None = None
        self._confirmed_cash: Centavos | None = None  # an unusual amount the cashier confirmed

        total_label = QLabel(f"Total: {format_mxn(total)}")
        total_label.setFont(font(26, bold=True))
        self.others_list = QListWidget()
        self.others_list.setMaximumHeight(110)
        self.others_list.setStyleSheet("QListWidget::item { min-height: 34px; font-size: 14pt; }")
        self.others_list.hide()
        self.due_label = QLabel()
        self.due_label.setFont(font(16, bold=True))
        self.received = QLineEdit()
        self.received.setFont(font(20, bold=True))
        self.received.setMinimumHeight(48)
        self.received.setPlaceholderText("Efectivo recibido")
        self.received.setAccessibleName("Efectivo recibido")
        self.received.setObjectName("received")
        self.received.textChanged.connect(self._update)
        self.received.returnPressed.connect(self.try_accept)
        self.change_label = QLabel()
        self.change_label.setFont(font(20, bold=True))
        self.error_label = QLabel()
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)

        bills = QGridLayout()
        bills.addWidget(touch_button("Exacto (F6)", self.exact), 0, 0)
        for i, bill in enumerate(QUICK_BILLS, start=1):
            bills.addWidget(touch_button(format_mxn(bill).replace(".00", ""), self._bill(bill)),
                            i // 3, i % 3)
        methods = QHBoxLayout()
        self.card_button = touch_button("Tarjeta (F2)", lambda: self.add_other(PaymentMethod.CARD))
        self.transfer_button = touch_button("Transferencia (F3)",
                                       lambda: self.add_other(PaymentMethod.TRANSFER))
        self.fiado_button = touch_button("Fiado (F4)", self.add_fiado)
        self.remove_button = touch_button("Quitar pagos (F5)", self.clear_others)
        for button in (self.card_button, self.transfer_button, self.fiado_button,
                       self.remove_button):
            methods.addWidget(button)
        for key, slot in (("F2", lambda: self.add_other(PaymentMethod.CARD)),
                          ("F3", lambda: self.add_other(PaymentMethod.TRANSFER)),
                          ("F4", self.add_fiado), ("F5", self.clear_others), ("F6", self.exact)):
            QShortcut(QKeySequence(key), self, slot)
        self.charge_button = touch_button("Cobrar (Enter)", self.try_accept)
        self.charge_button.setMinimumWidth(self.charge_button.fontMetrics().horizontalAdvance(
            "Confirmar $99,999.99 (Enter)") + 32)  # the confirmation's text fits too
        actions = QHBoxLayout()
        actions.addWidget(touch_button("Cancelar (Esc)", self.reject))
        actions.addWidget(self.charge_button)

        layout = QVBoxLayout(self)
        layout.addWidget(total_label, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addLayout(methods)
        layout.addWidget(self.others_list)
        layout.addWidget(self.due_label, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.received)
        layout.addLayout(bills)
        layout.addWidget(self.change_label, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.error_label)
        layout.addLayout(actions)
        self._update()
        self.received.setFocus()  # the cash is typed straight away; Enter charges

    def exact(self) -> None:
        """The cash due, exactly: no change."""
        self.received.setText(f"{self.cash_due / 100:.2f}")

    def _bill(self, bill: Centavos) -> Callable[[], None]:
        return lambda: self.received.setText(str(bill // 100))

    # ---- amounts ----------------------------------------------------------------------------

    @property
    def cash_due(self) -> Centavos:
        return max(self.total - sum(t.amount for t in self.others), 0)

    def _tenders(self) -> list[Tender]:
        text = self.received.text().strip()
        cash = parse_mxn(text) if text else 0
        return [*self.others, *([Tender(PaymentMethod.CASH, cash)] if cash else [])]

    def _update(self) -> None:
        self.error_label.clear()
        self._confirmed_cash = None
        self.charge_button.setText("Cobrar (Enter)")
        self.due_label.setText(f"Falta en efectivo: {format_mxn(self.cash_due)}"
                               if self.others else "")
        try:
            change = settle(self.total, self._tenders()).change
            self.change_label.setText(f"Cambio: {format_mxn(change)}")
        except DomainError:
            self.change_label.setText("Cambio: —")

    def _show_others(self) -> None:
        self.others_list.clear()
        for t in self.others:
            text = f"{METHOD_LABELS[t.method]}  {format_mxn(t.amount)}"
            if t.method is PaymentMethod.FIADO:
                text += f"  · {self.customer_name}"
            if t.reference:
                text += f"  · {t.reference}"
            self.others_list.addItem(text)
        self.others_list.setVisible(bool(self.others))
        self._update()
        self.received.setFocus()

    # ---- card, transfer, fiado ----------------------------------------------------------------

    def add_other(self, method: PaymentMethod, note: str = "") -> TenderDialog | None:
        if self.cash_due <= 0:
            self.error_label.setText("El total ya está cubierto.")
            return None
        dialog = TenderDialog(method, self.cash_due, self, note)
        self.tender_dialog = dialog

        def added() -> None:
            if dialog.tender is None:
                return
            if dialog.tender.amount > self.cash_due:
                self.error_label.setText(
                    f"{METHOD_LABELS[method]}: el importe pasa de lo que falta "
                    f"({format_mxn(self.cash_due)}).")
                return
            self._add_checked(dialog.tender)

        dialog.accepted.connect(added)
        dialog.open()
        return dialog

    def _add_checked(self, tender: Tender) -> None:
        """Add a tender; fiado above the customer's available credit needs an approval."""
        if tender.method is not PaymentMethod.FIADO:
            self.others.append(tender)
            self._show_others()
            return
        fiado = tender.amount + sum(t.amount for t in self.others
                                    if t.method is PaymentMethod.FIADO)
        if self.available_credit is not None and fiado > self.available_credit \
                and self.fiado_override_by is None:
            self.error_label.setText(
                f"{self.customer_name} solo tiene {format_mxn(max(self.available_credit, 0))} "
                "de crédito disponible. Se necesita autorización.")
            if self.ctx is None:
                return

            def approved(cashier: Cashier) -> None:
                self.fiado_override_by = cashier.id
                self.others.append(tender)
                self._show_others()

            self.approval = request_permission(self.ctx, self, Permission.FIADO_OVERRIDE, approved)
            return
        self.others.append(tender)
        self._show_others()

    def add_fiado(self) -> None:
        """Pick the customer (once per ticket), then the amount on their account."""
        if self.customer_id is not None:
            self.add_other(PaymentMethod.FIADO, self._credit_note())
            return
        if self.ctx is None:
            return

        picker = CustomerPicker(self.ctx, self, self.cash_due)
        self.customer_picker = picker

        def chosen(account: Account) -> None:
            self.set_customer(account.id, account.name, account.available)
            self.add_other(PaymentMethod.FIADO, self._credit_note())

        picker.chosen.connect(chosen)
        picker.open()

    def set_customer(self, customer_id: uuid.UUID, name: str, available: Centavos) -> None:
        self.customer_id, self.customer_name, self.available_credit = customer_id, name, available

    def _credit_note(self) -> str:
        return (f"{self.customer_name}: crédito disponible "
                f"{format_mxn(max(self.available_credit or 0, 0))}")

    def clear_others(self) -> None:
        self.others.clear()
        self.fiado_override_by = None
        self._show_others()

    # ---- accept -------------------------------------------------------------------------------

    def try_accept(self) -> None:
        try:
            tenders = self._tenders()
            settle(self.total, tenders)
        except DomainError as exc:
            self.error_label.setText(exc.message)
            return
        cash = sum(t.amount for t in tenders if t.method is PaymentMethod.CASH)
        if cash_needs_confirmation(self.cash_due, cash) and self._confirmed_cash != cash:
            self._ask_to_confirm(cash)
            return
        self.tenders = tenders
        self.accept()

    def _ask_to_confirm(self, cash: Centavos) -> None:
        """An unusual amount received: say what would happen, and charge only at a second Enter
        (or tap) on the same amount; any edit asks again."""
        change = settle(self.total, self._tenders()).change
        self.error_label.setText(
            f"¿Recibiste {format_mxn(cash)} en efectivo para {format_mxn(self.cash_due)}? "
            f"El cambio sería {format_mxn(change)}. Enter otra vez para confirmar, o corrige "
            "el importe.")
        self._confirmed_cash = cash
        self.charge_button.setText(f"Confirmar {format_mxn(cash)} (Enter)")
