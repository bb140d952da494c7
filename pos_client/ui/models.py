"""Qt table models for the product list and the ticket, fed plain rows and testable without a window."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pos_client.services.counter import Product
from pos_client.ui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from shared.money import format_mxn
from shared.quantity import format_quantity
from shared.ticket import Ticket

ModelIndex = QModelIndex | QPersistentModelIndex
R = TypeVar("R")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class TableModel(QAbstractTableModel):
    """Column headers and counts; subclasses say how many rows and what each cell shows."""

    HEADERS: tuple[str, ...] = ()

    def _count(self) -> int:
        raise NotImplementedError

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._count()

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class RowsModel(TableModel, Generic[R]):
    """A table over a plain list of rows, replaced whole by :meth:`set_rows`."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[R] = []

    def _count(self) -> int:
        return len(self._rows)

    def set_rows(self, rows: list[R]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()


class ProductsModel(RowsModel[Product]):
    HEADERS = ("Código", "Producto", "Precio", "Existencia")

    def product(self, row: int) -> Product:
        return self._rows[row]

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        p = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            suffix = " /kg" if p.sold_by_weight else ""
            return (p.barcode or "", p.name, format_mxn(p.price) + suffix,
                    format_quantity(p.stock_milli, p.sold_by_weight))[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return _RIGHT
        return None


class TicketModel(TableModel):
    HEADERS = ("Cant.", "Producto", "Precio", "Importe")

    def __init__(self, ticket: Ticket) -> None:
        super().__init__()
        self.ticket = ticket

    def _count(self) -> int:
        return len(self.ticket.lines)

    def refresh(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        ln = self.ticket.lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            name = ln.name
            if ln.wholesale:
                name += " · mayoreo"
            if ln.discount:
                name += f" · desc. −{format_mxn(ln.discount)}"
            return (format_quantity(ln.qty_milli, ln.sold_by_weight), name,
                    format_mxn(ln.unit_price), format_mxn(ln.total))[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() != 1:
            return _RIGHT
        return None
