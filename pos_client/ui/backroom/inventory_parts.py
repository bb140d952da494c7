"""Pieces the inventory tabs share: a tab with its message line, the product picker, tables."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pos_client.services import inventory
from pos_client.services.inventory import StockItem
from pos_client.services.till import Till
from pos_client.ui.context import AppContext
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QModelIndex,
    QPersistentModelIndex,
    QPushButton,
    Qt,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from pos_client.ui.widgets import ERROR_STYLE
from shared.errors import DomainError
from shared.permissions import Permission
from shared.quantity import format_quantity, parse_quantity

ModelIndex = QModelIndex | QPersistentModelIndex
T = TypeVar("T")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


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
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)

    def fail(self, message: str) -> None:
        self.say(message, error=True)

    def ask(self, op: Callable[[Till], T], on_done: Callable[[T], Any],
            on_error: Callable[[str], Any] | None = None) -> None:
        """Run ``op`` on the till's worker; its answer (or what went wrong) comes back here."""
        Operation(self.ctx, op).success(on_done).failure(on_error or self.fail).run()

    @property
    def cashier_id(self) -> uuid.UUID | None:
        return self.ctx.session.cashier.id if self.ctx.session else None

    @property
    def approver(self) -> uuid.UUID | None:
        """Who let this cashier into the section (None: their own role may edit the catalog)."""
        return self.ctx.approver(Permission.EDIT_CATALOG)

    # The tab's save button, if it has one. While a save waits for the worker it stays
    # disabled, and ``save`` (the button and Ctrl+S alike) does nothing: pressed twice, a
    # movement would otherwise be written twice.
    save_button: QPushButton | None = None

    @property
    def saving(self) -> bool:
        return self.save_button is not None and not self.save_button.isEnabled()

    def set_saving(self, saving: bool) -> None:
        if self.save_button is not None:
            self.save_button.setEnabled(not saving)

    def save_failed(self, message: str) -> None:
        self.set_saving(False)
        self.fail(message)

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
            self.tab.ask(lambda till: inventory.find(till, typed), self._found)

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
                                      f"{format_quantity(item.stock_milli, item.sold_by_weight)}")
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


# ---- the physical count sheet -----------------------------------------------------------------

_ZERO = re.compile(r"(0+(\.0*)?|\.0+)\s*(kg|g)?", re.IGNORECASE)  # "0", "0.000", "0 kg"


def parse_count(item: StockItem, typed: str) -> int:
    """A counted quantity: as at the counter, except that none on the shelf (0) is valid."""
    if _ZERO.fullmatch(typed.strip()):
        return 0
    return parse_quantity(typed, item.sold_by_weight)


class CountModel(QAbstractTableModel):
    """The count sheet: each product with its expected stock, what was typed as counted and
    the difference. Products arrive in one model reset and duplicates are found by id, so
    counting a whole shop (tens of thousands of products) loads at once."""

    HEADERS = ("Producto", "Esperado", "Contado", "Diferencia")
    COUNTED = 2
    typed = Signal(int)  # the row whose counted cell was just edited

    def __init__(self) -> None:
        super().__init__()
        self._items: list[StockItem] = []
        self._counted: list[str] = []
        self._row_of: dict[uuid.UUID, int] = {}

    def items(self) -> list[StockItem]:
        return list(self._items)

    def item(self, row: int) -> StockItem:
        return self._items[row]

    def counted_text(self, row: int) -> str:
        return self._counted[row]

    def add(self, items: Iterable[StockItem]) -> int | None:
        """Append the products not yet on the sheet; returns the first new row (None if all
        were there already)."""
        new: list[StockItem] = []
        for item in items:
            if item.id not in self._row_of:
                self._row_of[item.id] = len(self._items) + len(new)
                new.append(item)
        if not new:
            return None
        first = len(self._items)
        # One scan inserts its row (the view keeps its place); a whole shop resets once.
        if len(new) == 1:
            self.beginInsertRows(QModelIndex(), first, first)
        else:
            self.beginResetModel()
        self._items.extend(new)
        self._counted.extend([""] * len(new))
        if len(new) == 1:
            self.endInsertRows()
        else:
            self.endResetModel()
        return first

    def set_rows(self, items: list[StockItem]) -> None:
        self.beginResetModel()
        self._items, self._counted, self._row_of = [], [], {}
        self.endResetModel()
        self.add(items)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == self.COUNTED else flags

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return _RIGHT
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return None
        item = self._items[row]
        if column == 0:
            return item.name
        if column == 1:
            return format_quantity(item.stock_milli, item.sold_by_weight)
        if column == self.COUNTED:
            return self._counted[row]
        return self._difference(item, self._counted[row])

    @staticmethod
    def _difference(item: StockItem, typed: str) -> str:
        if not typed.strip():
            return ""
        try:
            delta = parse_count(item, typed) - item.stock_milli
        except DomainError:
            return "¿?"
        return ("+" if delta > 0 else "") + format_quantity(delta, item.sold_by_weight)

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or index.column() != self.COUNTED or role != Qt.ItemDataRole.EditRole:
            return False
        row = index.row()
        self._counted[row] = "" if value is None else str(value)
        self.dataChanged.emit(index, self.index(row, self.COUNTED + 1))
        self.typed.emit(row)
        return True


class CellRef:
    """One cell of a model-backed table, read and typed into like a table widget's item
    (scripts and tests fill in the count sheet through it)."""

    def __init__(self, model: QAbstractTableModel, row: int, column: int) -> None:
        self._index = model.index(row, column)
        self._model = model

    def text(self) -> str:
        return str(self._model.data(self._index) or "")

    def setText(self, text: str) -> None:  # noqa: N802
        self._model.setData(self._index, text, Qt.ItemDataRole.EditRole)


class CountView(QTableView):
    """The count sheet's table: touch-sized rows, typing a number starts editing the cell."""

    def __init__(self, model: CountModel) -> None:
        super().__init__()
        self.setModel(model)
        self.count_model = model
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(40)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers
                             & ~QAbstractItemView.EditTrigger.CurrentChanged)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(CountModel.HEADERS)):
            header.resizeSection(column, 120)

    def rowCount(self) -> int:  # noqa: N802
        return self.count_model.rowCount()

    def cell(self, row: int, column: int) -> CellRef:
        return CellRef(self.count_model, row, column)

    item = cell
