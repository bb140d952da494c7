"""The counter: log in, scan or search, build the ticket, charge any way, print, see sync status."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from pos_client.services import counter
from pos_client.services.sales import SaleContext, SaleReceipt, record_sale
from pos_client.sync.agent import SyncAgent
from pos_client.ui.context import AppContext
from pos_client.ui.counter_items import AddingItems
from pos_client.ui.counter_receipts import ReceiptsAndDrawer
from pos_client.ui.counter_session import SessionFlow
from pos_client.ui.counter_sync import SyncPanel, _StatusRelay
from pos_client.ui.counter_ticket import TicketEditing
from pos_client.ui.focus import keep_keyboard, show_like
from pos_client.ui.models import ProductsModel, TicketModel
from pos_client.ui.operations import UNEXPECTED, Operation
from pos_client.ui.payment_dialog import PaymentDialog
from pos_client.ui.qt import (
    QAbstractTableModel,
    QApplication,
    QCloseEvent,
    QEvent,
    QFont,
    QGuiApplication,
    QHBoxLayout,
    QKeyEvent,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMainWindow,
    QObject,
    QProgressBar,
    QPushButton,
    QShortcut,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.sales_history import SalesHistoryDialog
from pos_client.ui.scanner import ScanDetector
from pos_client.ui.widgets import ERROR_STYLE, table_view
from shared.money import format_mxn
from shared.sale import Tender
from shared.ticket import Ticket

if TYPE_CHECKING:
    from pos_client.ui.backroom.window import BackRoomWindow

SEARCH_DELAY_MS = 120
SALE_NOT_SAVED = "No se pudo guardar la venta. El ticket sigue abierto: intenta cobrar de nuevo."


class MainWindow(SessionFlow, AddingItems, TicketEditing, ReceiptsAndDrawer, SyncPanel,
                 QMainWindow):
    """The counter. Constructed over an ``AppContext``; with no session yet, ``start_session``
    asks for a PIN (or, in a new shop, creates the owner) and for the float of the shift."""

    def __init__(self, ctx: AppContext, agent: SyncAgent | None = None) -> None:
        super().__init__()
        self.ctx, self.agent, self.worker = ctx, agent, ctx.worker
        self.ticket = Ticket()
        self._charging: Ticket | None = None  # a paid ticket being saved
        self.last_receipt: SaleReceipt | None = None
        self.scanner = ScanDetector()
        self._now_ms: Callable[[], float] = lambda: time.monotonic() * 1000
        # On a real display each key carries the time the keyboard (or scanner) sent it: a
        # burst stays a burst even when the till was busy and read it late. Offscreen (tests)
        # keys carry none, and the window's clock (``_now_ms``) times them.
        self._server_times = QGuiApplication.platformName() not in ("offscreen", "minimal")
        self._key_ms = 0.0  # when the last key of the scan box was pressed
        self.setWindowTitle(f"MiChangarrito — {counter.shop_name(ctx.till)}")
        self.resize(1024, 600)  # windowed mode's first size; full screen takes the display
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
        self._show_session()
        ctx.session_listeners.append(self._show_session)
        self.scan_input.setFocus()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            keep_keyboard(app)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.scan_input and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent):
            if self._scan_box_key(event):
                return True
            self._key_ms = self._key_time(event)
            if event.text() and event.text().isprintable():
                self.scanner.key(self._key_ms)
        return super().eventFilter(watched, event)

    def _scan_box_key(self, event: QKeyEvent) -> bool:
        """Keys the scan box means for the counter, not for its own text; True when used."""
        key, empty = event.key(), not self.scan_input.text()
        if key == Qt.Key.Key_Escape:  # Esc: empty the box; with it empty, close the preview
            if empty:
                self._close_preview()
            self.clear_scan()
            return True
        # The scan field keeps focus all day, and a line edit swallows Supr for its own
        # text; with the field empty, Supr means "remove the ticket line", as the button says.
        if key == Qt.Key.Key_Delete and empty:
            self.remove_selected_line()
            return True
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Minus) and empty and self.ticket.lines:
            self.step_quantity(1 if key == Qt.Key.Key_Plus else -1)
            return True
        steps = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 8,
                 Qt.Key.Key_PageUp: -8}
        if key in steps:
            self.move_in_results(steps[Qt.Key(key)])
            return True
        return False

    def _key_time(self, event: QKeyEvent) -> float:
        return float(event.timestamp()) if self._server_times and event.timestamp() \
            else self._now_ms()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._search_timer.stop()
        if self._show_session in self.ctx.session_listeners:
            self.ctx.session_listeners.remove(self._show_session)
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
        self.scan_input.textEdited.connect(self._on_typed)
        self.scan_input.returnPressed.connect(self._on_enter)
        self.scan_input.installEventFilter(self)
        self.scan_input.setObjectName("scan")

        self.products_model = ProductsModel()
        self.products_view = self._table(self.products_model)
        self.products_view.setObjectName("products")
        self.products_view.setColumnWidth(0, 130)  # a whole EAN-13; fixed: 50,000 rows
        self.products_view.activated.connect(lambda idx: self.add_product(
            self.products_model.product(idx.row())))
        self.products_view.clicked.connect(lambda _: self.picked_in_results())

        self.ticket_model = TicketModel(self.ticket)
        self.ticket_view = self._table(self.ticket_model)
        self.ticket_view.setObjectName("ticket")

        self.total_label = QLabel()
        self.total_label.setFont(huge)
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.taxes_label = QLabel()
        self.taxes_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setFont(big)
        self.message_label.setObjectName("message")
        self.total_label.setObjectName("total")

        self.pay_button = self._button("Cobrar (F12)", self.charge, "F12")
        self.pay_button.setMinimumHeight(64)
        self.pay_button.setFont(big)
        remove = self._button("Quitar (Supr)", self.remove_selected_line, "Delete")
        common = self._button("Común (F3)", self.add_common_product, "F3")
        discount = self._button("Descuento (F4)", self.discount, "F4")
        park = self._button("Espera (F7)", self.park_or_resume, "F7")
        self.sync_button = self._button("Sincronizar (F5)", self.sync_now, "F5")
        history = self._button("Ventas (F6)", self.show_sales, "F6")
        attention = self._button("Atención (F8)", self.show_rejected, "F8")
        pair_other = self._button("Vincular caja (F9)", self.pair_another_till, "F9")
        shift = self._button("Turno y corte (F10)", self.show_shift, "F10")
        back_room = self._button("Trastienda (F11)", self.show_back_room, "F11")
        self._shortcut("F2", self.scan_input.setFocus)
        self._shortcut("Ctrl+L", self.lock)
        drawer = self._button("Cajón (Ctrl+D)", self.open_drawer, "Ctrl+D")
        self.session_label = QLabel()
        self.session_label.setObjectName("session")
        self.sync_label = QLabel()
        self.sync_label.setObjectName("sync")
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
        tools = QHBoxLayout()
        for button in (remove, common, discount, park):
            tools.addWidget(button)
        right.addLayout(tools)
        right.addWidget(self.pay_button)
        body = QHBoxLayout()
        body.addLayout(left, 5)
        body.addLayout(right, 4)
        actions = QHBoxLayout()
        for button in (history, shift, back_room, drawer, attention, pair_other, self.sync_button):
            actions.addWidget(button)
        status = QHBoxLayout()
        status.addWidget(self.session_label)
        status.addStretch(1)
        status.addWidget(self.progress)
        status.addWidget(self.sync_label)
        root = QVBoxLayout()
        root.addLayout(body, 1)
        root.addWidget(self.message_label)
        root.addLayout(actions)
        root.addLayout(status)
        central = QWidget()
        central.setLayout(root)
        self.setCentralWidget(central)
        self._update_totals()

    def _table(self, model: QAbstractTableModel) -> QTableView:
        view = table_view(model, stretch=1, fit_contents=False)
        view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # taps select; the scan box keeps the keys
        return view

    def _button(self, text: str, slot: Callable[[], object], key: str) -> QPushButton:
        button = QPushButton(text)
        button.setMinimumHeight(52)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the scan field keeps the keyboard
        button.clicked.connect(slot)
        self._shortcut(key, slot)
        return button

    def _shortcut(self, key: str, slot: Callable[[], object]) -> None:
        QShortcut(QKeySequence(key), self, slot)

    # ---- charging ---------------------------------------------------------------------------

    def charge(self) -> None:
        if self._charging is not None:
            return  # the last sale is still being saved; F12 or Enter again must not charge twice
        if not self.ticket.lines:
            self.say("El ticket está vacío. Escanea o busca un producto.", error=True)
            return
        if not self._ready_to_sell():
            return
        dialog = PaymentDialog(self.ticket.total, self, self.ctx)
        self.payment_dialog = dialog
        dialog.accepted.connect(lambda: self._paid(dialog))
        dialog.open()

    def _paid(self, dialog: PaymentDialog) -> None:
        if self.ticket.total != dialog.total:  # the ticket changed under the dialog: never
            self.say("El ticket cambió mientras cobrabas. Cobra de nuevo.", error=True)  # charge
            return  # a total the customer was not told
        if not self._ready_to_sell():  # a corte Z from the back room closed the shift meanwhile
            return
        self.finish_sale(dialog.tenders, dialog.customer_id, dialog.fiado_override_by)

    def finish_sale(self, tenders: list[Tender], customer_id: uuid.UUID | None = None,
                    fiado_override_by: uuid.UUID | None = None) -> None:
        """Save the paid ticket in the background; the counter gets a fresh ticket at once."""
        session = self.ctx.session
        context = SaleContext(
            cashier_id=session.cashier.id if session else None,
            shift_id=session.shift_id if session else None, customer_id=customer_id,
            fiado_override_by=fiado_override_by, discount_by=self.ticket.discount_by)
        charged, self._charging = self.ticket, self.ticket
        self._set_ticket(Ticket())
        self.pay_button.setEnabled(False)
        Operation(self.ctx, lambda till: record_sale(till, charged, tenders, context)).success(
            self._on_sale_recorded).failure(self._on_sale_failed).run()

    def _on_sale_recorded(self, receipt: SaleReceipt) -> None:
        self._charging = None
        self.last_receipt = receipt
        self.pay_button.setEnabled(True)
        self.say(f"Venta {receipt.folio} guardada. Cambio: {format_mxn(receipt.change)}")
        self.print_receipt(receipt.sale_id)
        self._run_search()
        if self.agent is not None:
            self.agent.request_sync()
        self._refresh_sync_status()

    def _on_sale_failed(self, message: str) -> None:
        # Nothing was saved: the charged lines come back, ahead of anything scanned since.
        if self._charging is not None:
            self.ticket.lines[:0] = self._charging.lines
            self._set_ticket(self.ticket)
        self._charging = None
        self.pay_button.setEnabled(True)
        self.say(SALE_NOT_SAVED if message == UNEXPECTED else message, error=True)

    def say(self, text: str, error: bool = False) -> None:
        """The message line. It holds until the moment passes: the next customer's first key or
        scan, a lock, or the next message (``_on_typed`` and ``lock`` clear it)."""
        self.message_label.setStyleSheet(ERROR_STYLE if error else "")
        self.message_label.setText(text)

    # ---- back room and shift -------------------------------------------------------------------

    def show_back_room(self) -> BackRoomWindow:
        from pos_client.ui.backroom.window import BackRoomWindow

        back_room = self.back_room = BackRoomWindow(self.ctx)
        show_like(back_room, self)
        return back_room

    def show_shift(self) -> None:
        """F10: the shift's cash in/out and cortes X and Z, in the back room's section."""
        if self.ctx.session is None:
            self.start_session()
            return
        self.show_back_room().page("Turnos y cortes")

    # ---- history ----------------------------------------------------------------------------

    def show_sales(self) -> None:
        """F6: the shop's sales (synced ones from other tills included): reprint, return, cancel."""
        self.sales_dialog = SalesHistoryDialog(self.ctx, self)
        self.sales_dialog.finished.connect(lambda _: self._run_search())  # stock may be back
        self.sales_dialog.open()
