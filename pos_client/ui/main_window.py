"""The counter: log in, scan or search, build the ticket, charge any way, print, see sync status."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from pos_client.services import counter
from pos_client.services.sales import SaleContext, SaleReceipt, record_sale
from pos_client.services.staff import Cashier
from pos_client.store.repositories import catalog
from pos_client.store.repositories.catalog import Product
from pos_client.sync.agent import SyncAgent
from pos_client.ui.auth import request_permission
from pos_client.ui.context import AppContext
from pos_client.ui.counter_dialogs import (
    CommonProductDialog,
    DiscountDialog,
    NewProductDialog,
    ParkedDialog,
    UnknownBarcodeDialog,
)
from pos_client.ui.counter_receipts import ReceiptsAndDrawer
from pos_client.ui.counter_session import SessionFlow
from pos_client.ui.counter_sync import SyncPanel, _StatusRelay
from pos_client.ui.focus import keep_keyboard
from pos_client.ui.models import ProductsModel, TicketModel
from pos_client.ui.orders_panel import OrdersBadge, OrdersDialog
from pos_client.ui.payment_dialog import PaymentDialog
from pos_client.ui.qt import (
    QAbstractTableModel,
    QApplication,
    QCloseEvent,
    QEvent,
    QFont,
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
from pos_client.ui.weight_dialog import WeightDialog
from pos_client.ui.widgets import ERROR_STYLE, table_view
from shared.errors import DomainError
from shared.money import format_mxn
from shared.permissions import Permission
from shared.quantity import QTY_SCALE, parse_quantity
from shared.sale import Tender
from shared.scale import parse_scale_label, plu_candidates, price_label_line
from shared.ticket import Ticket, TicketLine

if TYPE_CHECKING:
    from pos_client.ui.backroom.window import BackRoomWindow

SEARCH_DELAY_MS = 120
# "3*7501055300075": three of that item; "0.250*1001" or "250g*1001": that weight.
_QTY_PREFIX = re.compile(r"^([0-9.]+\s*(?:kg|g)?)\s*\*(.*)$", re.IGNORECASE)


class MainWindow(SessionFlow, ReceiptsAndDrawer, SyncPanel, QMainWindow):
    """The counter. Constructed over an ``AppContext``; with no session yet, ``start_session``
    asks for a PIN (or, in a new shop, creates the owner) and for the float of the shift."""

    def __init__(self, ctx: AppContext, agent: SyncAgent | None = None) -> None:
        super().__init__()
        self.ctx, self.agent = ctx, agent
        self.db, self.device, self.worker = ctx.db, ctx.device, ctx.worker
        self.ticket = Ticket()
        self._charging: Ticket | None = None  # a paid ticket being saved
        self.last_receipt: SaleReceipt | None = None
        self.scanner = ScanDetector()
        self._now_ms: Callable[[], float] = lambda: time.monotonic() * 1000
        self.setWindowTitle(f"MiChangarrito — {self.device.shop_name}")
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
        self.orders_badge = OrdersBadge(self.ctx, self.orders_button)
        self._run_search()
        self._refresh_sync_status()
        self._show_session()
        self.scan_input.setFocus()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            keep_keyboard(app)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.scan_input and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent):
            key, empty = event.key(), not self.scan_input.text()
            # The scan field keeps focus all day, and a line edit swallows Supr for its own
            # text; with the field empty, Supr means "remove the ticket line", as the button says.
            if key == Qt.Key.Key_Delete and empty:
                self.remove_selected_line()
                return True
            if key in (Qt.Key.Key_Plus, Qt.Key.Key_Minus) and empty and self.ticket.lines:
                self.step_quantity(1 if key == Qt.Key.Key_Plus else -1)
                return True
            if event.text() and event.text().isprintable():
                self.scanner.key(self._now_ms())
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
        self.scan_input.textEdited.connect(self._on_typed)
        self.scan_input.returnPressed.connect(self._on_enter)
        self.scan_input.installEventFilter(self)

        self.products_model = ProductsModel()
        self.products_view = self._table(self.products_model)
        self.products_view.setColumnWidth(0, 130)  # a whole EAN-13; fixed: 50,000 rows
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
        self.orders_button = self._button("Pedidos (F1)", self.show_orders, "F1")
        self._shortcut("F2", self.scan_input.setFocus)
        self._shortcut("Ctrl+L", self.lock)
        drawer = self._button("Cajón (Ctrl+D)", self.open_drawer, "Ctrl+D")
        self.session_label = QLabel()
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
        tools = QHBoxLayout()
        for button in (remove, common, discount, park):
            tools.addWidget(button)
        right.addLayout(tools)
        right.addWidget(self.pay_button)
        body = QHBoxLayout()
        body.addLayout(left, 5)
        body.addLayout(right, 4)
        actions = QHBoxLayout()
        for button in (self.orders_button, history, shift, back_room, drawer, attention, pair_other,
                       self.sync_button):
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
        return table_view(model, stretch=1, fit_contents=False)

    def _button(self, text: str, slot: Callable[[], object], key: str) -> QPushButton:
        button = QPushButton(text)
        button.setMinimumHeight(52)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the scan field keeps the keyboard
        button.clicked.connect(slot)
        self._shortcut(key, slot)
        return button

    def _shortcut(self, key: str, slot: Callable[[], object]) -> None:
        QShortcut(QKeySequence(key), self, slot)

    # ---- adding items -----------------------------------------------------------------------

    def _on_typed(self, _: str) -> None:
        # Debounced: a scanner's burst restarts the timer every few ms and is looked up at its
        # Enter (which stops it), so a scan never runs a search per character.
        self._search_timer.start()

    def _on_enter(self) -> None:
        text = self.scan_input.text().strip()
        scanned = self.scanner.is_scan(self._now_ms())
        self._close_preview()
        if not text:
            if self.ticket.lines and not scanned:
                self.charge()
            return
        qty: str | None = None
        code = text
        if m := _QTY_PREFIX.match(text):
            qty, code = m.group(1), m.group(2).strip()
        self.scan_input.clear()
        self._search_timer.stop()
        if code.isdigit() or (scanned and code):
            self.worker.submit(lambda: self._lookup(code),
                               lambda found: self._on_scanned(code, found, qty))
        else:
            self.scan_input.setText(code)
            self._run_search(add_single_match=True, qty=qty)

    def _lookup(self, code: str) -> tuple[Product | None, int | None, int | None]:
        """(product, grams or None, label price or None): a barcode, or a scale label."""
        with self.db.read() as conn:
            product = catalog.by_barcode(conn, code)
            if product is not None:
                return product, None, None
            label = parse_scale_label(code)
            if label is None:
                return None, None, None
            for plu in plu_candidates(label.plu):
                if (product := catalog.by_barcode(conn, plu)) is not None:
                    return product, label.grams, label.price
        return None, None, None

    def _on_scanned(self, code: str, found: tuple[Product | None, int | None, int | None],
                    qty: str | None) -> None:
        product, grams, label_price = found
        if product is None and not code.isdigit():  # a fast-typed name, or an unknown label
            self.scan_input.setText(code)
            self._run_search(add_single_match=True, qty=qty)
            return
        if product is None:
            self.unknown_barcode(code)
            return
        if grams is not None:
            self._add_line(product, grams)
        elif label_price is not None:
            unit, grams_ = price_label_line(product.price, label_price)
            self._add_line(product, grams_, unit_price=unit)
        else:
            self.add_product(product, qty)

    def unknown_barcode(self, code: str) -> None:
        """Offer to sell it as producto común, or to create the product (with permission)."""
        self.say(f"No encontré el código {code}.", error=True)
        dialog = UnknownBarcodeDialog(code, self)
        self.unknown_dialog = dialog

        def chosen() -> None:
            if dialog.choice == UnknownBarcodeDialog.COMMON:
                self.add_common_product()
            elif dialog.choice == UnknownBarcodeDialog.CREATE:
                self.unknown_approval = request_permission(
                    self.ctx, self, Permission.EDIT_CATALOG,
                    lambda approver: self._create_product(code, approver))

        dialog.accepted.connect(chosen)
        dialog.open()

    def _create_product(self, code: str, approver: Cashier) -> None:
        dialog = NewProductDialog(code, self)
        self.new_product_dialog = dialog
        session = self.ctx.session

        def create() -> None:
            assert dialog.values is not None
            name, price, iva, by_weight = dialog.values
            self.worker.submit(
                lambda: counter.create_product_at_counter(
                    self.db, self.device, barcode=code, name=name, price=price, iva=iva,
                    sold_by_weight=by_weight, cashier_id=session.cashier.id if session else None,
                    authorized_by=approver.id),
                lambda product: self.add_product(product), self._failed)

        dialog.accepted.connect(create)
        dialog.open()

    def add_common_product(self) -> None:
        """F3: an item not in the catalog, at a typed price."""
        dialog = CommonProductDialog(self)
        self.common_dialog = dialog

        def add() -> None:
            if dialog.line is not None:
                self._add_ticket_line(dialog.line)

        dialog.accepted.connect(add)
        dialog.open()

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

    def _add_line(self, product: Product, qty_milli: int, unit_price: int | None = None) -> None:
        self._add_ticket_line(TicketLine(
            product.id, product.name, product.price if unit_price is None else unit_price,
            qty_milli, product.iva, product.ieps_bp, product.sold_by_weight,
            wholesale_price=product.wholesale_price if unit_price is None else None,
            wholesale_min_milli=product.wholesale_min_milli, cost=product.cost,
        ))

    def _add_ticket_line(self, line: TicketLine) -> None:
        if self._paying():
            # A scan or search that finished while the payment dialog is open: the customer
            # was told a total, and the change is counted against it.
            self.say(f"No se agregó {line.name}: termina de cobrar primero.", error=True)
            return
        try:
            index = self.ticket.add(line)
        except DomainError as exc:
            self.say(exc.message, error=True)
            return
        self._ticket_changed()
        added = self.ticket.lines[index]
        price = format_mxn(added.unit_price) + (" (mayoreo)" if added.wholesale else "")
        self.say(f"{added.name}  {price}")
        self.ticket_view.selectRow(index)
        self.scan_input.setFocus()

    def _paying(self) -> bool:
        dialog = getattr(self, "payment_dialog", None)
        return dialog is not None and dialog.isVisible()

    def _ticket_changed(self) -> None:
        self.ticket_model.refresh()
        self._update_totals()

    def _selected_line(self) -> int | None:
        rows = self.ticket_view.selectionModel().selectedRows()
        if rows:
            return rows[0].row()
        return len(self.ticket.lines) - 1 if self.ticket.lines else None

    def remove_selected_line(self) -> None:
        index = self._selected_line()
        if index is not None:
            self.ticket.remove(index)
            self._ticket_changed()

    def step_quantity(self, step: int) -> None:
        """+ / − on the selected line: one piece more or less (the last piece goes with Supr)."""
        index = self._selected_line()
        if index is None:
            return
        line = self.ticket.lines[index]
        if line.sold_by_weight:
            self.say("Los productos a granel se pesan: quita el renglón y pésalo de nuevo.", error=True)
            return
        try:
            self.ticket.set_quantity(index, line.qty_milli + step * QTY_SCALE)
        except DomainError as exc:
            self.say(exc.message, error=True)
            return
        self._ticket_changed()
        self.ticket_view.selectRow(index)

    def discount(self) -> None:
        """F4: a discount on a line or the ticket, by someone allowed to give one."""
        if not self.ticket.lines:
            self.say("El ticket está vacío.", error=True)
            return
        self.discount_approval = request_permission(self.ctx, self, Permission.DISCOUNT,
                                                    self._ask_discount)

    def _ask_discount(self, approver: Cashier) -> None:
        dialog = DiscountDialog(self.ticket, self._selected_line(), self)
        self.discount_dialog = dialog

        def apply() -> None:
            try:
                if dialog.scope_line:
                    index = dialog.line_index
                    assert index is not None
                    self.ticket.set_discount(index, dialog.centavos)
                else:
                    self.ticket.discount_ticket(dialog.centavos)
            except DomainError as exc:
                self.say(exc.message, error=True)
                return
            self.ticket.discount_by = approver.id
            self._ticket_changed()
            self.say(f"Descuento de {format_mxn(dialog.centavos)} aplicado.")

        dialog.accepted.connect(apply)
        dialog.open()

    def park_or_resume(self) -> None:
        """F7: with items, set the ticket aside; with none, pick a ticket on hold."""
        if self.ticket.lines:
            ticket = self.ticket
            label = f"Cliente de las {time.strftime('%H:%M')}"

            def parked(_: uuid.UUID) -> None:
                self.say("Ticket en espera. F7 con el ticket vacío para retomarlo.")
                self._run_search()

            self._set_ticket(Ticket())

            def failed(exc: BaseException) -> None:
                self.ticket.lines[:0] = ticket.lines
                self._set_ticket(self.ticket)
                self._failed(exc)

            self.worker.submit(lambda: counter.park(self.db, ticket, label), parked, failed)
            return

        def listed(rows: list[counter.Parked]) -> None:
            if not rows:
                self.say("No hay tickets en espera.")
                return
            dialog = ParkedDialog(rows, self)
            self.parked_dialog = dialog

            def take() -> None:
                if dialog.chosen is not None:
                    chosen_id = dialog.chosen.id
                    self.worker.submit(lambda: counter.resume(self.db, chosen_id),
                                       self._set_ticket, self._failed)

            dialog.accepted.connect(take)
            dialog.open()

        def load() -> list[counter.Parked]:
            with self.db.read() as conn:
                return counter.parked(conn)

        self.worker.submit(load, listed, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.say(exc.message if isinstance(exc, DomainError)
                 else "No se pudo completar. Intenta de nuevo.", error=True)

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
        self.worker.submit(lambda: record_sale(self.db, self.device, charged, tenders, context),
                           self._on_sale_recorded, self._on_sale_failed)

    def _set_ticket(self, ticket: Ticket) -> None:
        self.ticket = self.ticket_model.ticket = ticket
        self._ticket_changed()

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
        if self.ticket.discount:
            parts.insert(0, f"Descuento: {format_mxn(self.ticket.discount)}")
        self.taxes_label.setText("   ".join(parts) or " ")

    def say(self, text: str, error: bool = False) -> None:
        self.message_label.setStyleSheet(ERROR_STYLE if error else "")
        self.message_label.setText(text)

    # ---- back room and shift -------------------------------------------------------------------

    def show_back_room(self) -> BackRoomWindow:
        from pos_client.ui.backroom.window import BackRoomWindow

        back_room = self.back_room = BackRoomWindow(self.ctx)
        back_room.show()
        return back_room

    def show_shift(self) -> None:
        """F10: the shift's cash in/out and cortes X and Z, in the back room's section."""
        if self.ctx.session is None:
            self.start_session()
            return
        self.show_back_room().page("Turnos y cortes")

    # ---- history ----------------------------------------------------------------------------

    def show_orders(self) -> None:
        """F1: customers' orders (WhatsApp): accept, prepare, ready, delivered, reject, charge."""
        self.orders_dialog = OrdersDialog(self.ctx, self._charge_order, self.sync_now, self)
        self.orders_dialog.finished.connect(lambda _: self.orders_badge.check())
        self.orders_dialog.open()

    def _charge_order(self, ticket: Ticket, _order_id: uuid.UUID) -> None:
        """Cobrar pedido: its lines into the ticket; the cashier charges it as any sale (F12)."""
        for line in ticket.lines:
            self.ticket.add(line)
        self._ticket_changed()
        self.say("Pedido en el ticket: cóbralo con F12 y márcalo entregado en Pedidos (F1).")

    def show_sales(self) -> None:
        """F6: the shop's sales (synced ones from other tills included): reprint, return, cancel."""
        self.sales_dialog = SalesHistoryDialog(self.ctx, self)
        self.sales_dialog.finished.connect(lambda _: self._run_search())  # stock may be back
        self.sales_dialog.open()
