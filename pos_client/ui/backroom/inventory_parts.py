"""Pieces the inventory tabs share: a tab with its message line, the product picker, tables."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos_client.services import inventory
from pos_client.services.inventory import format_qty
from pos_client.store.repositories.stock_ledger import StockItem
from pos_client.ui.context import AppContext
from shared.errors import DomainError

log = logging.getLogger(__name__)
T = TypeVar("T")
_ERROR = "color: #b00020;"
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def button(text: str, slot: Callable[[], Any]) -> QPushButton:
    button = QPushButton(text)
    button.setMinimumHeight(48)
    button.clicked.connect(slot)
    return button


def cell(text: str, editable: bool = False, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if not editable:
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if right:
        item.setTextAlignment(_RIGHT)
    return item


class Grid(QTableWidget):
    """A table whose cells always exist (every row is filled when inserted)."""

    def cell(self, row: int, column: int) -> QTableWidgetItem:
        item = self.item(row, column)
        assert item is not None
        return item


def grid(headers: tuple[str, ...], stretch: int = 0) -> Grid:
    table = Grid(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(40)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def explain(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    log.error("inventory job failed", exc_info=exc)
    return "No se pudo completar. Intenta de nuevo."


class Tab(QWidget):
    """A tab with a message line and access to the worker; ``changed`` tells the page that
    stock moved (the low-stock report reloads)."""

    changed = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.message = QLabel(" ")
        self.message.setWordWrap(True)

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(_ERROR if error else "")
        self.message.setText(text)

    def fail(self, exc: BaseException) -> None:
        self.say(explain(exc), error=True)

    def read(self, query: Callable[[Any], T], on_done: Callable[[T], Any]) -> None:
        db = self.ctx.db

        def job() -> T:
            with db.read() as conn:
                return query(conn)

        self.ctx.worker.submit(job, on_done, self.fail)

    @property
    def cashier_id(self) -> uuid.UUID | None:
        return self.ctx.session.cashier.id if self.ctx.session else None

    def save(self) -> None:
        """What Ctrl+S does on this tab (nothing by default)."""


class ProductPicker(QWidget):
    """Scan a barcode or type words and Enter: one match is picked at once; several are listed."""

    picked = Signal(object)  # StockItem

    def __init__(self, tab: Tab) -> None:
        super().__init__()
        self.tab = tab
        self.input = QLineEdit()
        self.input.setMinimumHeight(48)
        self.input.setPlaceholderText("Escanea el código o escribe el nombre y Enter")
        self.input.returnPressed.connect(self.lookup)
        self.results = QListWidget()
        self.results.setMaximumHeight(130)
        self.results.hide()
        self.results.itemActivated.connect(self._chosen)
        self.results.itemClicked.connect(self._chosen)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.input)
        layout.addWidget(self.results)

    def lookup(self) -> None:
        typed = self.input.text().strip()
        if typed:
            self.tab.read(lambda conn: inventory.find(conn, typed), self._found)

    def _found(self, items: list[StockItem]) -> None:
        self.results.clear()
        if not items:
            self.results.hide()
            self.tab.say(f"No encontré «{self.input.text().strip()}».", error=True)
        elif len(items) == 1:
            self._pick(items[0])
        else:
            for item in items:
                row = QListWidgetItem(f"{item.name}  ·  existencia "
                                      f"{format_qty(item.stock_milli, item.sold_by_weight)}")
                row.setData(Qt.ItemDataRole.UserRole, item)
                self.results.addItem(row)
            self.results.show()
            self.results.setCurrentRow(0)

    def _chosen(self, row: QListWidgetItem) -> None:
        self._pick(row.data(Qt.ItemDataRole.UserRole))

    def _pick(self, item: StockItem) -> None:
        self.results.hide()
        self.input.clear()
        self.tab.say(" ")
        self.picked.emit(item)
