"""The back room's customers and fiados: the list, each account's statement, abonos, balances."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pos_client.services import accounts, messages
from pos_client.services.accounts import AGING_BUCKETS, Account, AgingReport, Statement, StatementEntry
from pos_client.store.repositories.messages import MessageRequest
from pos_client.store.repositories.shop import shop_zone
from pos_client.ui.context import AppContext
from pos_client.ui.customer_picker import AccountsModel, CustomerDialog, age_text, error_text
from pos_client.ui.models import ModelIndex, RowsModel
from pos_client.ui.printing import print_or_preview
from pos_client.ui.qt import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPushButton,
    QShortcut,
    Qt,
    QTabWidget,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from pos_client.ui.widgets import ERROR_STYLE, OK_STYLE, button, table_view
from shared.clock import utc_now
from shared.errors import DomainError
from shared.money import format_mxn, parse_mxn
from shared.sale import PaymentMethod
from shared.sync.payloads import CustomerPayload, FiadoPaymentPayload

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
PERIODS = (("Todo", None), ("Últimos 30 días", 30), ("Últimos 90 días", 90))
NOT_PAIRED_TIP = ("Para enviar por WhatsApp, vincula esta caja con el servidor de la tienda. "
                  "Mientras tanto usa «Copiar mensaje».")
NO_PHONE_TIP = "Agrega el WhatsApp del cliente (Editar) para enviarle su estado de cuenta."
class StatementModel(RowsModel[StatementEntry]):
    HEADERS = ("Fecha", "Concepto", "Cargo", "Abono", "Saldo")

    def __init__(self) -> None:
        super().__init__()
        self.tz: Any = None

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        e = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (e.at.astimezone(self.tz).strftime("%d/%m/%Y %H:%M"), e.description,
                    format_mxn(e.charge) if e.charge else "",
                    format_mxn(e.payment) if e.payment else "", format_mxn(e.balance))[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return _RIGHT
        return None


class AgingModel(RowsModel[Account]):
    HEADERS = ("Cliente", "Saldo", "Antigüedad", *AGING_BUCKETS)  # the CSV adds the phone

    def account(self, row: int) -> Account:
        return self._rows[row]

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        a = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (a.name, format_mxn(a.balance), age_text(a.age_days),
                    *(format_mxn(b) if b else "" for b in a.buckets))[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 1:
            return _RIGHT
        return None


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
        self.ctx.worker.submit(
            lambda: accounts.pay(self.ctx.db, self.ctx.device, self.account.id, amount, method,
                                 reference=reference, cashier_id=cashier_id, shift_id=shift_id),
            self._saved, self._failed)

    def _saved(self, payment: FiadoPaymentPayload) -> None:
        self.saved.emit(payment)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.error.setText(error_text(exc))


class CustomersPage(QWidget):
    """Customers (list, search, sort), one customer's statement, and the balances report."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.statement: Statement | None = None
        self._statement_id: uuid.UUID | None = None
        self.report: AgingReport | None = None
        self.dialog: QDialog | None = None
        # Where "Exportar CSV" writes; tests replace it instead of driving a file dialog.
        self.choose_export_path: Callable[[], Path | None] = self._ask_export_path
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_list_tab(), "Clientes")
        self.tabs.addTab(self._build_statement_tab(), "Estado de cuenta")
        self.tabs.addTab(self._build_balances_tab(), "Saldos")
        self.tabs.setTabEnabled(1, False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        for key, slot in (("F2", self.new_customer), ("F3", self.record_abono),
                          ("F4", self.edit_customer), ("F6", self.print_statement),
                          ("F8", self.export_csv)):
            QShortcut(QKeySequence(key), self, slot,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.reload()

    # ---- building -------------------------------------------------------------------------

    def _build_list_tab(self) -> QWidget:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Buscar por nombre o teléfono")
        self.search.setMinimumHeight(44)
        self.search.returnPressed.connect(self.open_statement)
        self._debounce = QTimer(self, singleShot=True, interval=200)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.model = AccountsModel(("name", "phone", "balance", "limit", "age"))
        self.table = table_view(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(2, Qt.SortOrder.DescendingOrder)
        self.table.doubleClicked.connect(lambda _: self.open_statement())
        QShortcut(QKeySequence("Return"), self.table, self.open_statement,
                  context=Qt.ShortcutContext.WidgetShortcut)
        actions = QHBoxLayout()
        actions.addWidget(button("Nuevo cliente (F2)", self.new_customer))
        actions.addWidget(button("Editar (F4)", self.edit_customer))
        actions.addWidget(button("Estado de cuenta (Enter)", self.open_statement))
        actions.addWidget(button("Registrar abono (F3)", self.record_abono))
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        return tab

    def _build_statement_tab(self) -> QWidget:
        self.customer_label = QLabel()
        self.customer_label.setWordWrap(True)
        self.period = QComboBox()
        self.period.setMinimumHeight(44)
        for label, _days in PERIODS:
            self.period.addItem(label)
        self.period.currentIndexChanged.connect(lambda _: self.load_statement())
        self.statement_model = StatementModel()
        self.statement_table = table_view(self.statement_model, stretch=1)
        self.opening_label = QLabel()
        self.whatsapp_button = button("Enviar por WhatsApp", self.send_whatsapp)
        actions = QHBoxLayout()
        actions.addWidget(button("Registrar abono (F3)", self.record_abono))
        actions.addWidget(button("Imprimir estado de cuenta (F6)", self.print_statement))
        actions.addWidget(self.whatsapp_button)
        actions.addWidget(button("Copiar mensaje", self.copy_message))
        top = QHBoxLayout()
        top.addWidget(self.customer_label, 1)
        top.addWidget(self.period)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(top)
        layout.addWidget(self.opening_label)
        layout.addWidget(self.statement_table, 1)
        layout.addLayout(actions)
        return tab

    def _build_balances_tab(self) -> QWidget:
        self.order = QComboBox()
        self.order.setMinimumHeight(44)
        self.order.addItem("Por saldo (mayor primero)", "amount")
        self.order.addItem("Por antigüedad (más viejo primero)", "age")
        self.order.currentIndexChanged.connect(lambda _: self.reload())
        self.bucket_labels = [QLabel() for _ in range(len(AGING_BUCKETS) + 1)]
        buckets = QGridLayout()
        for i, label in enumerate(self.bucket_labels):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("font-size: 13pt;")
            buckets.addWidget(label, 0, i)
        self.aging_model = AgingModel()
        self.aging_table = table_view(self.aging_model)
        self.aging_table.doubleClicked.connect(
            lambda index: self.show_account(self.aging_model.account(index.row())))
        top = QHBoxLayout()
        top.addWidget(QLabel("Ordenar:"))
        top.addWidget(self.order, 1)
        top.addWidget(button("Exportar CSV (F8)", self.export_csv))
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(top)
        layout.addLayout(buckets)
        layout.addWidget(self.aging_table, 1)
        return tab

    # ---- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        """The list, the balances report, and the open statement, all read on the worker."""
        search, order = self.search.text(), self.order.currentData()

        def load() -> tuple[list[Account], AgingReport]:
            with self.ctx.db.read() as conn:
                today = datetime.now(shop_zone(conn)).date()
                return (accounts.customers_with_balances(conn, search, today),
                        accounts.aging_report(conn, today, order))

        self.ctx.worker.submit(load, self._loaded, self._failed)
        if self.statement is not None:
            self.load_statement()

    def _loaded(self, result: tuple[list[Account], AgingReport]) -> None:
        rows, self.report = result
        selected = self.selected_account()
        self.model.set_rows(rows)
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        ids = [a.id for a in self.model.rows()]
        if rows:
            self.table.selectRow(ids.index(selected.id) if selected and selected.id in ids else 0)
        self.aging_model.set_rows(list(self.report.accounts))
        for label, title, amount in zip(self.bucket_labels, (*AGING_BUCKETS, "Total"),
                                        (*self.report.totals, self.report.total), strict=True):
            label.setText(f"{title}<br><b>{format_mxn(amount)}</b>")

    def selected_account(self) -> Account | None:
        index = self.table.currentIndex()
        return self.model.account(index.row()) if index.isValid() else None

    def current_account(self) -> Account | None:
        """The customer being worked on: the open statement's, else the list's selection."""
        if self.tabs.currentIndex() == 1 and self.statement is not None:
            return self.statement.customer
        return self.selected_account()

    def open_statement(self) -> None:
        account = self.selected_account()
        if account is None:
            self._say("Elige un cliente de la lista.", False)
            return
        self.show_account(account)

    def show_account(self, account: Account) -> None:
        self._statement_id = account.id
        self.tabs.setTabEnabled(1, True)
        self.tabs.setCurrentIndex(1)
        self.load_statement()

    def load_statement(self) -> None:
        customer_id = self._statement_id
        if customer_id is None:
            return
        days = PERIODS[self.period.currentIndex()][1]
        since = utc_now() - timedelta(days=days) if days else None

        def load() -> Statement:
            with self.ctx.db.read() as conn:
                return accounts.statement(conn, customer_id, since)

        self.ctx.worker.submit(load, self._statement_loaded, self._failed)

    def _statement_loaded(self, st: Statement) -> None:
        self.statement = st
        c = st.customer
        self.statement_model.tz = st.tz
        self.statement_model.set_rows(list(st.entries))
        self.statement_table.scrollToBottom()
        owed = (f"Saldo a favor: {format_mxn(-st.closing_balance)}" if st.closing_balance < 0
                else f"Saldo: <b>{format_mxn(st.closing_balance)}</b>")
        phone = accounts.display_phone(c.phone) or "sin teléfono"
        self.customer_label.setText(
            f"<b>{c.name}</b> · {phone}<br>{owed} · Límite {format_mxn(c.credit_limit)} · "
            f"Disponible {format_mxn(max(0, c.credit_limit - st.closing_balance))}")
        self.opening_label.setText(f"Saldo anterior: {format_mxn(st.opening_balance)}"
                                   if st.since else "")
        self._update_whatsapp(c)

    def _update_whatsapp(self, customer: Account) -> None:
        tip = (NOT_PAIRED_TIP if not self.ctx.device.paired
               else NO_PHONE_TIP if not customer.phone else "")
        self.whatsapp_button.setEnabled(not tip)
        self.whatsapp_button.setToolTip(tip)

    # ---- actions --------------------------------------------------------------------------

    def new_customer(self) -> None:
        self._open_editor(None)

    def edit_customer(self) -> None:
        account = self.current_account()
        if account is None:
            self._say("Elige el cliente que quieres editar.", False)
            return
        self._open_editor(account)

    def _open_editor(self, account: Account | None) -> None:
        editor = CustomerDialog(self.ctx, self, account)
        editor.saved.connect(self._customer_saved)
        self.dialog = editor
        editor.open()

    def _customer_saved(self, payload: CustomerPayload) -> None:
        self._say(f"Guardé a {payload.name}.", True)
        self.reload()

    def record_abono(self) -> None:
        account = self.current_account()
        if account is None:
            self._say("Elige el cliente que va a abonar.", False)
            return
        if account.balance <= 0:
            self._say(f"{account.name} no debe nada.", False)
            return
        dialog = AbonoDialog(self.ctx, self, account)
        dialog.saved.connect(self._abono_saved)
        self.dialog = dialog
        dialog.open()

    def _abono_saved(self, payment: FiadoPaymentPayload) -> None:
        self._say(f"Abono de {format_mxn(payment.amount)} registrado.", True)
        self.reload()

    def print_statement(self) -> None:
        if self.statement is None:
            self._say("Abre primero el estado de cuenta de un cliente.", False)
            return
        document = accounts.statement_document(self.statement, self.ctx.device.shop_name)
        self.dialog = print_or_preview(self.ctx, self, document,
                                       on_failed=lambda message: self._say(message, False))

    def copy_message(self) -> None:
        if self.statement is None:
            return
        text = accounts.statement_message(self.statement, self.ctx.device.shop_name)
        QApplication.clipboard().setText(text)
        self._say("Mensaje copiado: pégalo en WhatsApp.", True)

    def send_whatsapp(self) -> None:
        """Queue the statement for WhatsApp: it travels with the next sync (offline it waits in
        the outbox) and the server sends it through the WhatsApp Cloud API."""
        statement, session = self.statement, self.ctx.session
        if statement is None:
            self._say("Abre primero el estado de cuenta de un cliente.", False)
            return
        ctx, customer_id = self.ctx, statement.customer.id
        text = accounts.statement_message(statement, ctx.device.shop_name)

        def queue() -> MessageRequest:
            return messages.request_statement(ctx.db, ctx.device, customer_id, text,
                                              session.cashier.id if session else None)

        self.whatsapp_button.setEnabled(False)  # one tap, one message

        def queued(request: MessageRequest) -> None:
            self._refresh_whatsapp_button()
            self._say(f"Estado de cuenta en cola para {accounts.display_phone(request.to)}: se envía por "
                      "WhatsApp en cuanto la caja sincronice con el servidor.", True)

        def failed(exc: BaseException) -> None:
            self._refresh_whatsapp_button()
            self._failed(exc)

        ctx.worker.submit(queue, queued, failed)

    def _refresh_whatsapp_button(self) -> None:
        """As the open customer allows now (a phone on file, a paired till), not just "on"."""
        if self.statement is not None:
            self._update_whatsapp(self.statement.customer)

    def export_csv(self) -> None:
        path = self.choose_export_path()
        if path is None:
            return

        def write() -> int:
            with self.ctx.db.read() as conn:
                today = datetime.now(shop_zone(conn)).date()
                report = accounts.aging_report(conn, today)
            try:
                return accounts.write_aging_csv(report, path)
            except OSError as exc:
                raise DomainError(f"No pude guardar {path.name}: {exc.strerror}.",
                                           code="export_failed") from exc

        self.ctx.worker.submit(
            write, lambda n: self._say(f"Exporté {n} cuentas a {path.name}.", True), self._failed)

    def _ask_export_path(self) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, "Exportar saldos", "saldos.csv", "CSV (*.csv)")
        return Path(name) if name else None

    def _failed(self, exc: BaseException) -> None:
        self._say(error_text(exc), False)

    def _say(self, text: str, ok: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
