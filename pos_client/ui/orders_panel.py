"""Customers' orders at the counter (WhatsApp, the assistant): the badge that rings when one
arrives, and the panel (F1) where the cashier accepts, prepares, marks ready or delivered,
rejects with a reason, or loads one into the ticket to charge it ("cobrar pedido")."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pos_client.services import orders
from pos_client.ui.context import AppContext
from pos_client.ui.models import ModelIndex, RowsModel
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    isValid,
)
from pos_client.ui.widgets import ERROR_STYLE, shortcut_button
from shared.money import format_mxn
from shared.orders import FULFILMENT_LABELS, OrderStatus
from shared.quantity import format_quantity
from shared.ticket import Ticket

CHECK_EVERY_MS = 3000  # the local store; the sync agent brings orders in as notices arrive


class OrdersModel(RowsModel[orders.OrderView]):
    HEADERS = ("#", "Cliente", "Entrega", "Total", "Estado")

    def view(self, row: int) -> orders.OrderView:
        return self._rows[row]

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        v = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            o = v.order
            return (f"#{o.number}", o.customer_name, FULFILMENT_LABELS[o.fulfilment],
                    format_mxn(o.total), v.label)[index.column()]
        return None


def order_text(view: orders.OrderView) -> str:
    o = view.order
    lines = [f"Pedido #{o.number} — {view.label}", o.customer_name]
    if o.phone:
        lines.append(f"WhatsApp {o.phone}")
    lines.append(FULFILMENT_LABELS[o.fulfilment] + (f": {o.address}" if o.address else ""))
    lines.append("")
    lines += [f"{format_quantity(ln.qty_milli)} × {ln.name}  {format_mxn(ln.total)}" for ln in o.lines]
    lines += ["", f"Total {format_mxn(o.total)}"]
    if o.notes:
        lines.append(f"Notas: {o.notes}")
    if view.note:
        lines.append(f"Motivo: {view.note}")
    return "\n".join(lines)


class OrdersDialog(QDialog):
    """The open orders; every change goes through the services on the worker."""

    def __init__(self, ctx: AppContext, charge: Callable[[Ticket, uuid.UUID], None],
                 changed: Callable[[], None] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self._charge, self._changed = ctx, charge, changed
        self.setWindowTitle("Pedidos")
        self.resize(900, 520)
        self.model = OrdersModel()
        self._build()
        self.reload()

    def _build(self) -> None:
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._show())
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.message_label = QLabel(" ")
        self.message_label.setWordWrap(True)
        buttons = QHBoxLayout()
        moves: list[tuple[str, OrderStatus, str]] = [
            ("Aceptar (A)", "aceptado", "A"), ("Preparando (P)", "preparando", "P"),
            ("Listo (L)", "listo", "L"), ("Entregado (E)", "entregado", "E")]
        for text, status, key in moves:
            buttons.addWidget(shortcut_button(self, text, self._mover(status), key, height=52))
        buttons.addWidget(shortcut_button(self, "Rechazar (R)", self.reject_order, "R", height=52))
        buttons.addWidget(shortcut_button(self, "Cobrar pedido (C)", self.charge, "C", height=52))
        buttons.addWidget(shortcut_button(self, "Cerrar (Esc)", self.accept, height=52))
        layout = QVBoxLayout(self)
        body = QHBoxLayout()
        body.addWidget(self.view, 3)
        body.addWidget(self.detail, 2)
        layout.addLayout(body, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)

    def _mover(self, status: OrderStatus) -> Callable[[], None]:
        return lambda: self.move_to(status)


    def say(self, text: str, error: bool = False) -> None:
        self.message_label.setStyleSheet(ERROR_STYLE if error else "")
        self.message_label.setText(text)

    def selected(self) -> orders.OrderView | None:
        index = self.view.currentIndex()
        return self.model.view(index.row()) if index.isValid() else None

    def reload(self, keep: uuid.UUID | None = None) -> None:
        def show(rows: list[orders.OrderView]) -> None:
            self.model.set_rows(rows)
            ids = [r.order.id for r in rows]
            row = ids.index(keep) if keep in ids else 0
            if rows:
                self.view.selectRow(row)
            self._show()

        Operation(self.ctx, orders.open_orders).success(show).failure(
            lambda m: self.say(m, True)).run()

    def _show(self) -> None:
        view = self.selected()
        self.detail.setPlainText(order_text(view) if view else "No hay pedidos abiertos.")

    def move_to(self, status: OrderStatus, note: str | None = None) -> None:
        view = self.selected()
        if view is None:
            return
        order_id = view.order.id

        def done(moved: orders.OrderView) -> None:
            self.say(f"Pedido #{moved.order.number}: {moved.label}. Se le avisa al cliente.")
            if self._changed is not None:
                self._changed()  # sync now: the server tells the customer
            self.reload(order_id)

        Operation(self.ctx, lambda till: orders.move(till, order_id, status, note)).success(
            done).failure(lambda m: self.say(m, True)).run()

    def reject_order(self) -> None:
        if self.selected() is None:
            return
        reason, ok = QInputDialog.getText(self, "Rechazar pedido",
                                          "¿Por qué? (se le dice al cliente)")
        if ok:
            self.move_to("rechazado", reason)

    def charge(self) -> None:
        view = self.selected()
        if view is None:
            return
        order_id = view.order.id

        def load(ticket: Ticket) -> None:
            self._charge(ticket, order_id)
            self.accept()

        Operation(self.ctx, lambda till: orders.ticket_for(till, order_id)).success(load).failure(
            lambda m: self.say(m, True)).run()


class OrdersBadge:
    """Keeps the orders button's count of new orders, and rings when one more arrives."""

    def __init__(self, ctx: AppContext, button: QPushButton) -> None:
        self.ctx, self.button = ctx, button
        self.waiting = 0
        self.rang = 0  # times it rang (tests)
        self._timer = QTimer(button, interval=CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        self.check()

    def check(self) -> None:
        # A closed window's badge asks nothing (its worker may be gone with it).
        if isValid(self.button) and self.button.isVisible():
            Operation(self.ctx, orders.open_orders).success(self._show).run()

    def _show(self, views: list[orders.OrderView]) -> None:
        if not isValid(self.button):
            return
        waiting = orders.counts(views)
        if waiting > self.waiting:
            self.rang += 1
            QApplication.beep()
        self.waiting = waiting
        self.button.setText(f"Pedidos ({waiting}) (F1)" if waiting else "Pedidos (F1)")
        self.button.setStyleSheet("background: #ffcc00; font-weight: bold;" if waiting else "")
