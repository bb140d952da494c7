"""Choosing a customer (for a fiado sale or an abono), and the form to add or edit one."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from pos_client.services import accounts
from pos_client.services.accounts import CustomerDraft
from pos_client.services.staff import Cashier
from pos_client.ui.auth import request_permission
from pos_client.ui.context import AppContext
from pos_client.ui.models import ModelIndex, RowsModel
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QModelIndex,
    QShortcut,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from pos_client.ui.widgets import ERROR_STYLE, OK_STYLE, button, table_view
from shared.fiado import Account
from shared.money import format_mxn
from shared.permissions import Permission
from shared.phone import display_phone
from shared.spanish import count
from shared.sync.payloads import CustomerPayload

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def age_text(days: int | None) -> str:
    if days is None:
        return ""
    return "hoy" if days == 0 else count(days, "día")


class AccountsModel(RowsModel[Account]):
    """Customers with their balance; the columns shown are chosen by the screen using it."""

    COLUMNS: dict[str, str] = {"name": "Cliente", "phone": "Teléfono", "balance": "Saldo",
                               "limit": "Límite", "available": "Disponible",
                               "age": "Antigüedad"}
    SORT_KEYS: dict[str, Callable[[Account], Any]] = {
        "name": lambda a: a.name.casefold(), "phone": lambda a: a.phone or "",
        "balance": lambda a: a.balance, "limit": lambda a: a.credit_limit,
        "available": lambda a: a.available, "age": lambda a: a.age_days or -1}

    def __init__(self, columns: Sequence[str]) -> None:
        super().__init__()
        self.columns = tuple(columns)
        self.HEADERS = tuple(self.COLUMNS[c] for c in self.columns)

    def account(self, row: int) -> Account:
        return self._rows[row]

    def rows(self) -> list[Account]:
        return list(self._rows)

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        a, column = self._rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return {"name": a.name if a.active else f"{a.name} (inactivo)",
                    "phone": display_phone(a.phone), "balance": format_mxn(a.balance),
                    "limit": format_mxn(a.credit_limit), "available": format_mxn(a.available),
                    "age": age_text(a.age_days)}[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("balance", "limit", "available",
                                                                    "age"):
            return _RIGHT
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Header clicks sort by the real amount or age, not by the formatted text."""
        key = self.SORT_KEYS[self.columns[column]]
        self.layoutAboutToBeChanged.emit()
        self._rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()


class CustomerDialog(QDialog):
    """Add a customer, or edit one as a whole: name, WhatsApp phone, credit limit, active.
    Saving runs on the worker; a refusal (bad phone, bad amount) stays in the dialog."""

    saved = Signal(object)  # CustomerPayload

    def __init__(self, ctx: AppContext, parent: QWidget | None, account: Account | None = None,
                 name: str = "", phone: str = "") -> None:
        super().__init__(parent)
        self.ctx, self.account = ctx, account
        self.setWindowTitle("Editar cliente" if account else "Nuevo cliente")
        self.setMinimumWidth(440)
        self.name = QLineEdit(account.name if account else name)
        self.phone = QLineEdit(display_phone(account.phone) if account else phone)
        self.phone.setPlaceholderText("55 1234 5678")
        self.limit = QLineEdit(accounts.plain_pesos(account.credit_limit) if account else "0")
        self.opening = QLineEdit()
        self.opening.setPlaceholderText("0.00")
        # Setting how much a customer may owe is the same trust as selling over a limit: the
        # field opens for whoever holds it, or after their PIN (save_customer checks it again).
        self.limit_approver: Cashier | None = None
        self.pin_dialog: QDialog | None = None
        may_set_limit = ctx.session is not None and ctx.session.can(Permission.FIADO_OVERRIDE)
        self.limit.setReadOnly(not may_set_limit)
        self.unlock_button = button("Autorizar (NIP)", self.unlock_limit)
        self.unlock_button.setVisible(not may_set_limit)
        if not may_set_limit:
            self.limit.setToolTip("Solo quien puede fiar arriba del límite cambia el límite.")
        limit_row = QHBoxLayout()
        limit_row.addWidget(self.limit, 1)
        limit_row.addWidget(self.unlock_button)
        self.active = QCheckBox("Activo (se le puede fiar)")
        self.active.setChecked(account.active if account else True)
        for field in (self.name, self.phone, self.limit, self.opening):
            field.setMinimumHeight(40)
            field.returnPressed.connect(self.save)
        form = QFormLayout()
        form.addRow("Nombre", self.name)
        form.addRow("WhatsApp", self.phone)
        form.addRow("Límite de crédito", limit_row)
        if account is None:
            form.addRow("Ya debe (libreta)", self.opening)
        else:
            form.addRow("", self.active)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.save_button = button("Guardar (Enter)", self.save)
        actions = QHBoxLayout()
        actions.addWidget(button("Cancelar (Esc)", self.reject))
        actions.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(actions)

    def draft(self) -> CustomerDraft:
        return CustomerDraft(
            name=self.name.text(), phone=self.phone.text(), credit_limit=self.limit.text(),
            active=self.active.isChecked(), id=self.account.id if self.account else None,
            opening_balance=self.opening.text() if self.account is None else "")

    def unlock_limit(self) -> None:
        """Someone who may give credit types their PIN; the limit field opens for them."""
        self.pin_dialog = request_permission(self.ctx, self, Permission.FIADO_OVERRIDE,
                                             self._limit_unlocked)

    def _limit_unlocked(self, approver: Cashier) -> None:
        self.limit_approver = approver
        self.limit.setReadOnly(False)
        self.limit.setToolTip(f"Autorizó: {approver.name}")
        self.unlock_button.hide()
        self.limit.setFocus()
        self.limit.selectAll()

    def save(self) -> None:
        if not self.save_button.isEnabled():  # already saving: Enter pressed twice
            return
        draft = self.draft()
        self.save_button.setEnabled(False)
        self.error.clear()
        editor = self.ctx.session.cashier.id if self.ctx.session else None  # audited
        approver = self.limit_approver.id if self.limit_approver else None
        Operation(self.ctx, lambda till: accounts.save_customer(till, draft, editor, approver)) \
            .success(self._saved).failure(self._failed).run()

    def _saved(self, payload: CustomerPayload) -> None:
        self.saved.emit(payload)
        self.accept()

    def _failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.error.setText(message)


class CustomerPicker(QDialog):
    """Search customers by name or phone and pick one; shows whether ``amount_due`` fits their
    available credit. Going over the limit is the counter's call (fiado override), so the
    picker warns but still lets the cashier choose."""

    chosen = Signal(object)  # Account

    def __init__(self, ctx: AppContext, parent: QWidget | None, amount_due: int = 0) -> None:
        super().__init__(parent)
        self.ctx, self.amount_due = ctx, amount_due
        self.setWindowTitle("Elegir cliente")
        self.setMinimumSize(640, 440)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Buscar por nombre o teléfono")
        self.search.setMinimumHeight(44)
        self.search.returnPressed.connect(self.choose)
        self._debounce = QTimer(self, singleShot=True, interval=200)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.model = AccountsModel(("name", "phone", "balance", "limit", "available"))
        self.table = table_view(self.model)
        self.table.doubleClicked.connect(lambda _: self.choose())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_fit())
        due = QLabel(f"A crédito: {format_mxn(amount_due)}" if amount_due else "")
        self.fit = QLabel()
        self.fit.setWordWrap(True)
        self.choose_button = button("Elegir (Enter)", self.choose)
        actions = QHBoxLayout()
        actions.addWidget(button("Cancelar (Esc)", self.reject))
        actions.addWidget(button("Nuevo cliente (F2)", self.new_customer))
        actions.addWidget(self.choose_button)
        QShortcut(QKeySequence("F2"), self, self.new_customer)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(due)
        layout.addWidget(self.fit)
        layout.addLayout(actions)
        self._select_id: uuid.UUID | None = None
        self.reload()

    def reload(self) -> None:
        text = self.search.text()
        Operation(self.ctx, lambda till: accounts.search(till, text, active_only=True)) \
            .success(self._loaded).failure(lambda message: self._say(message, False)).run()

    def _loaded(self, rows: list[Account]) -> None:
        self.model.set_rows(rows)
        ids = [a.id for a in rows]
        row = ids.index(self._select_id) if self._select_id in ids else 0
        if rows:
            self.table.selectRow(row)
        self._show_fit()

    def selected(self) -> Account | None:
        index: QModelIndex = self.table.currentIndex()
        return self.model.account(index.row()) if index.isValid() else None

    def _show_fit(self) -> None:
        a = self.selected()
        if a is None:
            self._say("No hay clientes con ese nombre o teléfono. Agrega uno con F2.", False)
        elif self.amount_due > a.available:
            self._say(f"{a.name}: {format_mxn(self.amount_due)} excede el límite. Disponible: "
                      f"{format_mxn(a.available)} (saldo {format_mxn(a.balance)}, límite "
                      f"{format_mxn(a.credit_limit)}).", False)
        else:
            self._say(f"{a.name}: disponible {format_mxn(a.available)}. Alcanza.", True)

    def _say(self, text: str, ok: bool) -> None:
        self.fit.setText(text)
        self.fit.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)

    def choose(self) -> None:
        account = self.selected()
        if account is not None:
            self.chosen.emit(account)
            self.accept()

    def new_customer(self) -> None:
        typed = self.search.text().strip()
        # What was searched for is probably the new customer's name, or their phone.
        is_phone = typed.replace(" ", "").isdigit()
        self.editor = CustomerDialog(self.ctx, self, name="" if is_phone else typed,
                                     phone=typed if is_phone else "")
        self.editor.saved.connect(self._added)
        self.editor.open()

    def _added(self, payload: CustomerPayload) -> None:
        self._select_id = payload.id
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.reload()
