"""The back room's customers and fiados: the list, each account's statement, abonos, balances."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta, tzinfo
from pathlib import Path
from typing import Any

from pos_client.receipts.statement import statement_document
from pos_client.services import accounts, messages
from pos_client.services.accounts import Overview
from pos_client.services.messages import MessageRequest
from pos_client.services.till import Till
from pos_client.ui.backroom.abono_dialog import AbonoDialog
from pos_client.ui.backroom.customer_whatsapp import LastMessageLine, WhatsAppConsent
from pos_client.ui.context import AppContext
from pos_client.ui.customer_picker import AccountsModel, CustomerDialog, age_text
from pos_client.ui.models import ModelIndex, RowsModel
from pos_client.ui.operations import Operation
from pos_client.ui.printing import print_or_preview
from pos_client.ui.qt import (
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QShortcut,
    Qt,
    QTabWidget,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import ERROR_STYLE, OK_STYLE, button, table_view
from shared.clock import DEFAULT_ZONE, shown_date_time
from shared.fiado import AGING_BUCKETS, Account, AgingOrder, Statement, StatementEntry
from shared.money import format_mxn
from shared.phone import display_phone
from shared.sync.payloads import CustomerPayload, FiadoPaymentPayload

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
PERIODS = (("Todo", None), ("Últimos 30 días", 30), ("Últimos 90 días", 90))
NOT_PAIRED_TIP = ("Para enviar por WhatsApp, vincula esta caja con el servidor de la tienda. "
                  "Mientras tanto usa «Copiar mensaje».")
NO_PHONE_TIP = "Agrega el WhatsApp del cliente (Editar) para enviarle su estado de cuenta."


def statement_for(till: Till, customer_id: uuid.UUID, days: int | None
                  ) -> tuple[Statement, bool]:
    """The customer's statement over the last ``days`` (all of it when None), and whether this
    till can send it by WhatsApp."""
    since = till.now() - timedelta(days=days) if days else None
    return accounts.statement(till, customer_id, since), messages.can_send(till)


class StatementModel(RowsModel[StatementEntry]):
    HEADERS = ("Fecha", "Concepto", "Cargo", "Abono", "Saldo")

    def __init__(self) -> None:
        super().__init__()
        self.tz: tzinfo = DEFAULT_ZONE  # the shop's, which comes with the statement

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        e = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (shown_date_time(e.at, self.tz), e.description,
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


class CustomersPage(QWidget):
    """Customers (list, search, sort), one customer's statement, and the balances report."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.statement: Statement | None = None
        self._statement_id: uuid.UUID | None = None
        self._can_send = False  # this till is paired: a WhatsApp request can leave it
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
        self.consent = WhatsAppConsent(self.ctx)  # "pendiente de confirmar" until they write
        self.last_message = LastMessageLine(self.ctx)  # the server's word on their last message
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
        layout.addWidget(self.consent)
        layout.addWidget(self.last_message)
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
        search, order = self.search.text(), self._order()
        Operation(self.ctx, lambda till: accounts.overview(till, search, order)) \
            .success(self._loaded).failure(self._failed).run()
        if self.statement is not None:
            self.load_statement()

    def _order(self) -> AgingOrder:
        return "age" if self.order.currentData() == "age" else "amount"

    def _loaded(self, overview: Overview) -> None:
        rows, report = overview.accounts, overview.aging
        selected = self.selected_account()
        self.model.set_rows(rows)
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        ids = [a.id for a in self.model.rows()]
        if rows:
            self.table.selectRow(ids.index(selected.id) if selected and selected.id in ids else 0)
        self.aging_model.set_rows(list(report.accounts))
        for label, title, amount in zip(self.bucket_labels, (*AGING_BUCKETS, "Total"),
                                        (*report.totals, report.total), strict=True):
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
        Operation(self.ctx, lambda till: statement_for(till, customer_id, days)) \
            .success(self._statement_loaded).failure(self._failed).run()

    def _statement_loaded(self, loaded: tuple[Statement, bool]) -> None:
        st, self._can_send = loaded
        self.statement = st
        c = st.customer
        self.statement_model.tz = st.tz
        self.statement_model.set_rows(list(st.entries))
        self.statement_table.scrollToBottom()
        owed = (f"Saldo a favor: {format_mxn(-st.closing_balance)}" if st.closing_balance < 0
                else f"Saldo: <b>{format_mxn(st.closing_balance)}</b>")
        phone = display_phone(c.phone) or "sin teléfono"
        self.customer_label.setText(
            f"<b>{c.name}</b> · {phone}<br>{owed} · Límite {format_mxn(c.credit_limit)} · "
            f"Disponible {format_mxn(max(0, c.credit_limit - st.closing_balance))}")
        self.opening_label.setText(f"Saldo anterior: {format_mxn(st.opening_balance)}"
                                   if st.since else "")
        self._update_whatsapp(c)

    def _update_whatsapp(self, customer: Account) -> None:
        if customer.id != self.consent.customer_id:
            self.consent.show_for(customer.id, bool(customer.phone))
        self.last_message.show_for(customer.id)
        tip = (NOT_PAIRED_TIP if not self._can_send
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
        self.dialog = print_or_preview(self.ctx, self, statement_document(self.statement),
                                       on_failed=lambda message: self._say(message, False))

    def copy_message(self) -> None:
        if self.statement is None:
            return
        text = messages.statement_text(self.statement)
        QApplication.clipboard().setText(text)
        self._say("Mensaje copiado: pégalo en WhatsApp.", True)

    def send_whatsapp(self) -> None:
        """Queue the statement for WhatsApp: it travels with the next sync (offline it waits in
        the outbox) and the server sends it through the WhatsApp Cloud API."""
        statement, session = self.statement, self.ctx.session
        if statement is None:
            self._say("Abre primero el estado de cuenta de un cliente.", False)
            return
        customer_id, text = statement.customer.id, messages.statement_text(statement)
        cashier_id = session.cashier.id if session else None
        self.whatsapp_button.setEnabled(False)  # one tap, one message

        def queued(request: MessageRequest) -> None:
            # Not "it goes out when the till syncs": the server sends it only if it has WhatsApp
            # set up; the line below says where it stands as the server answers.
            self._say(f"Estado de cuenta en cola para {display_phone(request.to)}: sale de esta "
                      "caja con la próxima sincronización; abajo se ve en qué va.", True)
            self.last_message.refresh()

        Operation(self.ctx, lambda till: messages.request_statement(till, customer_id, text,
                                                                    cashier_id)) \
            .success(queued).failure(self._failed).always(self._refresh_whatsapp_button).run()

    def _refresh_whatsapp_button(self) -> None:
        """As the open customer allows now (a phone on file, a paired till), not just "on"."""
        if self.statement is not None:
            self._update_whatsapp(self.statement.customer)

    def export_csv(self) -> None:
        path = self.choose_export_path()
        if path is None:
            return
        Operation(self.ctx, lambda till: accounts.export_aging(till, path)) \
            .success(lambda n: self._say(f"Exporté {n} cuentas a {path.name}.", True)) \
            .failure(self._failed).run()

    def _ask_export_path(self) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, "Exportar saldos", "saldos.csv", "CSV (*.csv)")
        return Path(name) if name else None

    def _failed(self, message: str) -> None:
        self._say(message, False)

    def _say(self, text: str, ok: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
