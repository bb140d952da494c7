"""The counter: scan or search, build the ticket, charge in cash, see sync status."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pos_client.services.device import Device
from pos_client.services.sales import SaleReceipt, record_sale
from pos_client.store.database import Database
from pos_client.store.repositories import catalog, facts, outbox
from pos_client.store.repositories.catalog import Product
from pos_client.store.repositories.facts import SaleSummary
from pos_client.store.repositories.outbox import Rejected
from pos_client.sync.agent import SyncAgent, SyncStatus
from pos_client.sync.client import SyncRefused
from pos_client.ui.models import ProductsModel, SalesModel, TicketModel
from pos_client.ui.payment_dialog import PaymentDialog
from pos_client.ui.sync_dialogs import RejectedModel, pairing_code_dialog, rejected_dialog
from pos_client.ui.weight_dialog import WeightDialog
from pos_client.ui.worker import Worker
from shared.errors import DomainError
from shared.money import format_mxn
from shared.sale import QTY_SCALE, Tender, parse_quantity
from shared.sync.wire import PairingCodeOut
from shared.ticket import Ticket, TicketLine

SEARCH_DELAY_MS = 120
# "3*7501055300075": three of that item; "0.250*1001" or "250g*1001": that weight.
_QTY_PREFIX = re.compile(r"^([0-9.]+\s*(?:kg|g)?)\s*\*(.*)$", re.IGNORECASE)


class _StatusRelay(QObject):
    changed = Signal(object)
    progress = Signal(float)


class MainWindow(QMainWindow):
    def __init__(
        self, db: Database, device: Device, agent: SyncAgent | None, worker: Worker
    ) -> None:
        super().__init__()
        self.db, self.device, self.agent, self.worker = db, device, agent, worker
        self.ticket = Ticket()
        self._charging: Ticket | None = None  # a paid ticket being saved
        self.last_receipt: SaleReceipt | None = None
        self.setWindowTitle(f"MiChangarrito — {device.shop_name}")
        self.resize(1024, 600)
        self._build()
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)
        self._status_relay = _StatusRelay()
        self._status_relay.changed.connect(self._show_sync_status)
        self._status_relay.progress.connect(self._show_progress)
        if agent is not None:
            agent.on_status = self._status_relay.changed.emit
            agent.on_progress = self._status_relay.progress.emit
        self._run_search()
        self._refresh_sync_status()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # The scan field keeps focus all day, and a line edit swallows Supr for its own text;
        # with the field empty, Supr means "remove the ticket line", as the button says.
        if (watched is self.scan_input and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Delete
                and not self.scan_input.text()):
            self.remove_selected_line()
            return True
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._search_timer.stop()
        super().closeEvent(event)

    # ---- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        big = QFont()
        big.setPointSize(16)
        huge = QFont()
        huge.setPointSize(32)
        huge.setBold(True)

        self.scan_input = QLineEdit()
        self.scan_input.setFont(big)
        self.scan_input.setMinimumHeight(48)
        self.scan_input.setPlaceholderText("Escanea o escribe código / nombre  (F2)")
        self.scan_input.setAccessibleName("Código o búsqueda")
        self.scan_input.textEdited.connect(lambda _: self._search_timer.start())
        self.scan_input.returnPressed.connect(self._on_enter)
        self.scan_input.installEventFilter(self)

        self.products_model = ProductsModel()
        self.products_view = self._table(self.products_model)
        self.products_view.activated.connect(lambda idx: self.add_product(
            self.products_model.product(idx.row())))

        self.ticket_model = TicketModel(self.ticket)
        self.ticket_view = self._table(self.ticket_model)

        self.total_label = QLabel()
        self.total_label.setFont(huge)
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.taxes_label = QLabel()
        self.taxes_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setFont(big)

        self.pay_button = self._button("Cobrar (F12)", self.charge, "F12")
        remove = self._button("Quitar renglón (Supr)", self.remove_selected_line, "Delete")
        self.sync_button = self._button("Sincronizar ahora (F5)", self.sync_now, "F5")
        history = self._button("Ventas (F6)", self.show_sales, "F6")
        attention = self._button("Atención (F8)", self.show_rejected, "F8")
        pair_other = self._button("Vincular caja (F9)", self.pair_another_till, "F9")
        self._shortcut("F2", self.scan_input.setFocus)
        self.sync_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFormat("Descargando datos de la tienda… %p%")
        self.progress.hide()

        left = QVBoxLayout()
        left.addWidget(self.scan_input)
        left.addWidget(self.products_view)
        right = QVBoxLayout()
        right.addWidget(self.ticket_view)
        right.addWidget(self.taxes_label)
        right.addWidget(self.total_label)
        buttons = QHBoxLayout()
        buttons.addWidget(remove)
        buttons.addWidget(self.pay_button)
        right.addLayout(buttons)
        body = QHBoxLayout()
        body.addLayout(left, 5)
        body.addLayout(right, 4)
        footer = QHBoxLayout()
        footer.addWidget(self.message_label, 1)
        footer.addWidget(history)
        footer.addWidget(attention)
        footer.addWidget(pair_other)
        footer.addWidget(self.progress)
        footer.addWidget(self.sync_label)
        footer.addWidget(self.sync_button)
        root = QVBoxLayout()
        root.addLayout(body, 1)
        root.addLayout(footer)
        central = QWidget()
        central.setLayout(root)
        self.setCentralWidget(central)
        self._update_totals()

    def _table(self, model: QAbstractTableModel) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().setDefaultSectionSize(40)
        view.verticalHeader().hide()
        view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        return view

    def _button(self, text: str, slot: Callable[[], object], key: str) -> QPushButton:
        button = QPushButton(text)
        button.setMinimumHeight(56)
        button.clicked.connect(slot)
        self._shortcut(key, slot)
        return button

    def _shortcut(self, key: str, slot: Callable[[], object]) -> None:
        QShortcut(QKeySequence(key), self, slot)

    # ---- adding items -----------------------------------------------------------------------

    def _on_enter(self) -> None:
        text = self.scan_input.text().strip()
        if not text:
            if self.ticket.lines:
                self.charge()
            return
        qty: str | None = None
        code = text
        if m := _QTY_PREFIX.match(text):
            qty, code = m.group(1), m.group(2).strip()
        self.scan_input.clear()
        if code.isdigit():
            self.worker.submit(lambda: self._lookup(code),
                               lambda p: self._on_scanned(code, p, qty))
        else:
            self.scan_input.setText(code)
            self._run_search(add_single_match=True, qty=qty)

    def _lookup(self, code: str) -> Product | None:
        with self.db.read() as conn:
            return catalog.by_barcode(conn, code)

    def _on_scanned(self, code: str, product: Product | None, qty: str | None) -> None:
        if product is None:
            self.say(f"No encontré el código {code}. Búscalo por nombre.", error=True)
            return
        self.add_product(product, qty)

    def add_product(self, product: Product, qty: str | int | None = None) -> None:
        """Add ``qty`` (typed text, or a number of pieces) of a product; 1 piece by default.

        A product sold by weight with no quantity asks for its weight first.
        """
        if qty is None and product.sold_by_weight:
            dialog = WeightDialog(product.name, product.price, self)
            self.weight_dialog = dialog
            dialog.accepted.connect(lambda: self._add_line(product, dialog.qty_milli))
            dialog.open()
            return
        try:
            qty_milli = (qty * QTY_SCALE if isinstance(qty, int)
                         else parse_quantity(qty or "1", product.sold_by_weight))
        except DomainError as exc:
            self.say(exc.message, error=True)
            return
        self._add_line(product, qty_milli)

    def _add_line(self, product: Product, qty_milli: int) -> None:
        try:
            self.ticket.add(TicketLine(
                product.id, product.name, product.price, qty_milli, product.iva,
                product.ieps_bp, product.sold_by_weight,
            ))
        except DomainError as exc:
            self.say(exc.message, error=True)
            return
        self.ticket_model.refresh()
        self._update_totals()
        self.say(f"{product.name}  {format_mxn(product.price)}")
        self.scan_input.setFocus()

    def remove_selected_line(self) -> None:
        rows = self.ticket_view.selectionModel().selectedRows()
        index = rows[0].row() if rows else len(self.ticket.lines) - 1
        if index >= 0:
            self.ticket.remove(index)
            self.ticket_model.refresh()
            self._update_totals()

    def _run_search(self, add_single_match: bool = False, qty: str | None = None) -> None:
        text = self.scan_input.text()

        def search() -> list[Product]:
            with self.db.read() as conn:
                return catalog.search(conn, text)

        def show(rows: list[Product]) -> None:
            self.products_model.set_rows(rows)
            if add_single_match and len(rows) == 1:
                self.scan_input.clear()
                self.add_product(rows[0], qty)

        self.worker.submit(search, show)

    # ---- charging ---------------------------------------------------------------------------

    def charge(self) -> None:
        if self._charging is not None:
            return  # the last sale is still being saved; F12 or Enter again must not charge twice
        if not self.ticket.lines:
            self.say("El ticket está vacío. Escanea o busca un producto.", error=True)
            return
        dialog = PaymentDialog(self.ticket.total, self)
        self.payment_dialog = dialog
        dialog.accepted.connect(lambda: self.finish_sale(dialog.tenders))
        dialog.open()

    def finish_sale(self, tenders: list[Tender]) -> None:
        """Save the paid ticket in the background; the counter gets a fresh ticket at once."""
        charged, self._charging = self.ticket, self.ticket
        self._set_ticket(Ticket())
        self.pay_button.setEnabled(False)
        self.worker.submit(lambda: record_sale(self.db, self.device, charged, tenders),
                           self._on_sale_recorded, self._on_sale_failed)

    def _set_ticket(self, ticket: Ticket) -> None:
        self.ticket = self.ticket_model.ticket = ticket
        self.ticket_model.refresh()
        self._update_totals()

    def _on_sale_recorded(self, receipt: SaleReceipt) -> None:
        self._charging = None
        self.last_receipt = receipt
        self.pay_button.setEnabled(True)
        self.say(f"Venta {receipt.folio} guardada. Cambio: {format_mxn(receipt.change)}")
        self._run_search()
        if self.agent is not None:
            self.agent.request_sync()
        self._refresh_sync_status()

    def _on_sale_failed(self, exc: BaseException) -> None:
        # Nothing was saved: the charged lines come back, ahead of anything scanned since.
        if self._charging is not None:
            self.ticket.lines[:0] = self._charging.lines
            self._set_ticket(self.ticket)
        self._charging = None
        self.pay_button.setEnabled(True)
        message = exc.message if isinstance(exc, DomainError) else (
            "No se pudo guardar la venta. El ticket sigue abierto: intenta cobrar de nuevo.")
        self.say(message, error=True)

    def _update_totals(self) -> None:
        self.total_label.setText(format_mxn(self.ticket.total))
        taxes = self.ticket.taxes
        parts = [f"{rate.label}: {format_mxn(s.iva)}" for rate, s in taxes.by_rate.items()
                 if s.iva]
        if taxes.ieps:
            parts.append(f"IEPS: {format_mxn(taxes.ieps)}")
        self.taxes_label.setText("   ".join(parts) or " ")

    def say(self, text: str, error: bool = False) -> None:
        self.message_label.setStyleSheet("color: #b00020;" if error else "")
        self.message_label.setText(text)

    # ---- history ----------------------------------------------------------------------------

    def show_sales(self) -> None:
        """The shop's recent sales, synced ones from other tills included."""
        dialog = QDialog(self)
        dialog.setWindowTitle("Ventas recientes")
        dialog.resize(640, 420)
        self.sales_model = SalesModel()
        view = self._table(self.sales_model)
        layout = QVBoxLayout(dialog)
        layout.addWidget(view)
        self.sales_dialog = dialog

        def load() -> list[SaleSummary]:
            with self.db.read() as conn:
                return facts.recent_sales(conn, self.device.device_id)

        self.worker.submit(load, self.sales_model.set_rows)
        dialog.open()

    def show_rejected(self) -> None:
        """The visible list of changes the server refused, with its reasons."""
        self.rejected_model = RejectedModel()
        self.rejected_dialog = rejected_dialog(self, self.rejected_model,
                                               self._table(self.rejected_model))

        def load() -> list[Rejected]:
            with self.db.read() as conn:
                return outbox.rejected(conn)

        self.worker.submit(load, self.rejected_model.set_rows)
        self.rejected_dialog.open()

    def pair_another_till(self) -> None:
        if self.agent is None or not self.device.paired:
            self.say("Esta caja trabaja sola: vincúlala primero a un servidor.", error=True)
            return
        agent = self.agent

        def shown(code: PairingCodeOut) -> None:
            self.pairing_dialog = pairing_code_dialog(self, code)
            self.pairing_dialog.open()

        def failed(exc: BaseException) -> None:
            message = exc.message if isinstance(exc, SyncRefused) else (
                "Sin conexión con el servidor: no se pudo pedir el código.")
            self.say(message, error=True)

        self.worker.submit(agent.new_pairing_code, shown, failed)

    # ---- sync -------------------------------------------------------------------------------

    def sync_now(self) -> None:
        if self.agent is None or not self.device.paired:
            self.say("Esta caja trabaja sola: no está vinculada a un servidor.")
            return
        self.agent.request_sync()

    def _refresh_sync_status(self) -> None:
        if self.agent is not None:
            self.worker.submit(self.agent.status, self._show_sync_status)
        else:
            self.sync_label.setText("Sin servidor")

    def _show_progress(self, fraction: float) -> None:
        self.progress.setValue(round(fraction * 100))
        self.progress.setVisible(fraction < 1.0)
        if fraction >= 1.0:
            self._run_search()  # the downloaded catalog is ready to sell from

    def _show_sync_status(self, status: SyncStatus) -> None:
        if status.online is None:
            text = "Caja independiente"
        else:
            state = "En línea" if status.online else "Sin conexión"
            text = f"{state} · pendientes: {status.pending}"
            if status.rejected:
                text += f" · requieren atención: {status.rejected}"
            if status.last_sync:
                text += f" · última: {status.last_sync.astimezone():%H:%M}"
        if status.problem:
            text += f" · {status.problem}"
        # The status bar, never the message line: it must not cover "Cambio: $…".
        self.sync_label.setText(text)
        self.sync_label.setStyleSheet("color: #b00020;" if status.problem else "")
        if status.online:
            self._run_search()  # pulled changes may have moved stock or prices
