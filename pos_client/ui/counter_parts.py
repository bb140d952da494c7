"""What the counter's parts (session, items, ticket, receipts, sync) share of the window: its
widgets and the few methods one part calls on another, declared for type checking."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from pos_client.sync.agent import SyncAgent
from pos_client.ui.context import AppContext
from pos_client.ui.models import ProductsModel, TicketModel
from pos_client.ui.qt import (
    QAbstractTableModel,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTimer,
    QWidget,
)
from pos_client.ui.scanner import ScanDetector
from pos_client.ui.worker import Worker
from shared.ticket import Ticket


class CounterParts:
    """The window's state as every part sees it. ``MainWindow`` builds it and comes first in
    the method order, so the bodies here are only stand-ins for the type checker."""

    ctx: AppContext
    worker: Worker
    agent: SyncAgent | None
    ticket: Ticket
    scanner: ScanDetector
    _now_ms: Callable[[], float]
    _key_ms: float
    _search_timer: QTimer
    scan_input: QLineEdit
    message_label: QLabel
    products_model: ProductsModel
    products_view: QTableView
    ticket_model: TicketModel
    ticket_view: QTableView
    pay_button: QPushButton

    @property
    def as_widget(self) -> QWidget:
        """The window itself, as the parent of the dialogs these parts open."""
        return cast(QWidget, self)

    def say(self, text: str, error: bool = False) -> None: ...

    def _failed(self, message: str) -> None:
        self.say(message, error=True)

    def _table(self, model: QAbstractTableModel) -> QTableView:
        raise NotImplementedError

    def _run_search(self, add_single_match: bool = False, qty: str | None = None) -> None: ...

    def charge(self) -> None: ...

    def clear_scan(self) -> None: ...

    def _close_preview(self) -> None: ...

    def _ticket_changed(self) -> None: ...

    def _set_ticket(self, ticket: Ticket) -> None: ...

    def _ready_to_sell(self) -> bool:
        raise NotImplementedError
