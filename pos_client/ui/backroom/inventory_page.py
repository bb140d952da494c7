"""The back room's inventory section: receiving, adjustments, physical counts, low stock, history.

Widgets only read what was typed and show results; every rule lives in
``pos_client.services.inventory`` and every database or file access runs on the worker thread.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from pos_client.services import inventory
from pos_client.services.inventory import (
    ADJUSTMENT_REASONS,
    History,
    LowStockRow,
    StockItem,
)
from pos_client.ui.backroom.count_tab import CountTab
from pos_client.ui.backroom.inventory_parts import (
    ProductPicker,
    Tab,
    cell,
    grid,
)
from pos_client.ui.context import AppContext
from pos_client.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QShortcut,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from pos_client.ui.widgets import button
from shared.clock import shown_date_time
from shared.errors import DomainError
from shared.money import format_mxn, parse_mxn
from shared.quantity import format_quantity, parse_quantity, value_of
from shared.spanish import count


class ReceiveTab(Tab):
    """Merchandise from a supplier: products with quantity and unit cost, saved together."""

    COLUMNS = ("Producto", "Cantidad", "Costo unitario", "Importe")

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.items: list[StockItem] = []
        self.picker = ProductPicker(self)
        self.picker.picked.connect(self.add)
        self.table = grid(self.COLUMNS)
        self.table.itemChanged.connect(self._recompute)
        self.supplier = QLineEdit()
        self.supplier.setMinimumHeight(48)
        self.supplier.setPlaceholderText("Proveedor o nota (opcional)")
        self.total_label = QLabel("Total: $0.00")
        self.save_button = button("Guardar (Ctrl+S)", self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.supplier, 1)
        buttons.addWidget(button("Quitar renglón", self.remove_selected))
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total_label)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

    def add(self, item: StockItem) -> None:
        """A scanned product goes in the list; scanning a piece product again adds one more."""
        for row, existing in enumerate(self.items):
            if existing.id == item.id and not item.sold_by_weight:
                qty = self.table.cell(row, 1)
                if qty.text().strip().isdigit():
                    qty.setText(str(int(qty.text()) + 1))
                return
        self.items.append(item)
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        self.table.setItem(row, 0, cell(item.name))
        self.table.setItem(row, 1, cell("1.000" if item.sold_by_weight else "1", True, True))
        self.table.setItem(row, 2, cell(f"{item.cost // 100}.{item.cost % 100:02d}", True, True))
        self.table.setItem(row, 3, cell("", right=True))
        self.table.blockSignals(False)
        self._recompute()
        self.table.setCurrentCell(row, 1)

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            del self.items[row]
            self._recompute()

    def lines(self) -> list[tuple[uuid.UUID, int, int | None]]:
        """What was typed, read as quantities and costs; a bad cell raises with its product."""
        out = []
        for row, item in enumerate(self.items):
            try:
                qty = parse_quantity(self.table.cell(row, 1).text(), item.sold_by_weight)
                cost_text = self.table.cell(row, 2).text().strip()
                cost = parse_mxn(cost_text) if cost_text else None
            except DomainError as exc:
                raise DomainError(f"{item.name}: {exc.message}", code=exc.code) from exc
            out.append((item.id, qty, cost))
        return out

    def _recompute(self, *_: object) -> None:
        total = 0
        self.table.blockSignals(True)
        for row, item in enumerate(self.items):
            try:
                qty = parse_quantity(self.table.cell(row, 1).text(), item.sold_by_weight)
                amount = value_of(qty, parse_mxn(self.table.cell(row, 2).text()))
                self.table.cell(row, 3).setText(format_mxn(amount))
                total += amount
            except DomainError:
                self.table.cell(row, 3).setText("—")
        self.table.blockSignals(False)
        self.total_label.setText(f"Total: {format_mxn(total)}")

    def save(self) -> None:
        if self.saving:
            return
        if not self.items:
            self.say("Escanea o busca los productos que llegaron.", error=True)
            return
        try:
            lines = self.lines()
        except DomainError as exc:
            self.say(exc.message, error=True)
            return
        note, who, approver = self.supplier.text(), self.cashier_id, self.approver
        self.set_saving(True)
        self.ask(lambda till: inventory.receive(till, lines, note, who, authorized_by=approver),
                 self._saved, self.save_failed)

    def _saved(self, result: inventory.ReceiptResult) -> None:
        self.set_saving(False)
        text = f"Mercancía recibida: {count(len(result.movement_ids), 'renglón')}."
        if result.cost_changes:
            text += " Costo actualizado: " + ", ".join(
                f"{c.name} {format_mxn(c.old_cost)} → {format_mxn(c.new_cost)}"
                for c in result.cost_changes)
        self.items.clear()
        self.table.setRowCount(0)
        self.supplier.clear()
        self._recompute()
        self.say(text)
        self.changed.emit()


class AdjustTab(Tab):
    """Stock corrected by hand, always with a reason: merma, caducado, robo…"""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.item: StockItem | None = None
        self.picker = ProductPicker(self)
        self.picker.picked.connect(self.choose)
        self.product_label = QLabel("Elige el producto a ajustar.")
        self.direction = QComboBox()
        self.direction.addItems(["Quitar (−)", "Agregar (+)"])
        self.direction.setMinimumHeight(48)
        self.quantity = QLineEdit()
        self.quantity.setMinimumHeight(48)
        self.quantity.setPlaceholderText("Cantidad (pzas o kg)")
        self.reason = QComboBox()
        self.reason.addItems(["— motivo —", *ADJUSTMENT_REASONS])
        self.reason.setMinimumHeight(48)
        self.detail = QLineEdit()
        self.detail.setMinimumHeight(48)
        self.detail.setPlaceholderText("Detalle o motivo libre")
        self.save_button = button("Guardar ajuste (Ctrl+S)", self.save)
        row = QHBoxLayout()
        for w in (self.direction, self.quantity, self.reason):
            row.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addWidget(self.product_label)
        layout.addLayout(row)
        layout.addWidget(self.detail)
        layout.addWidget(self.save_button)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def choose(self, item: StockItem) -> None:
        self.item = item
        unit = "kg" if item.sold_by_weight else "pzas"
        self.product_label.setText(f"{item.name} · existencia "
                                   f"{format_quantity(item.stock_milli, item.sold_by_weight)} ({unit})")
        self.quantity.setFocus()

    def reason_text(self) -> str:
        chosen = self.reason.currentText() if self.reason.currentIndex() > 0 else ""
        return ": ".join(t for t in (chosen, self.detail.text().strip()) if t)

    def save(self) -> None:
        if self.saving:
            return
        item = self.item
        if item is None:
            self.say("Primero escanea o busca el producto.", error=True)
            return
        try:
            qty = parse_quantity(self.quantity.text(), item.sold_by_weight)
        except DomainError as exc:
            self.say(exc.message, error=True)
            return
        delta = qty if self.direction.currentIndex() == 1 else -qty
        reason, who, approver = self.reason_text(), self.cashier_id, self.approver
        self.set_saving(True)
        self.ask(lambda till: inventory.adjust(till, item.id, delta, reason, who,
                                               authorized_by=approver),
                 lambda _: self._saved(item, delta), self.save_failed)

    def _saved(self, item: StockItem, delta: int) -> None:
        self.set_saving(False)
        sign = "+" if delta > 0 else ""
        self.say(f"Ajuste guardado: {item.name} {sign}{format_quantity(delta, item.sold_by_weight)}.")
        self.item = None
        self.product_label.setText("Elige el producto a ajustar.")
        for field in (self.quantity, self.detail):
            field.clear()
        self.reason.setCurrentIndex(0)
        self.changed.emit()


class LowStockTab(Tab):
    """Products under their minimum, most urgent first, with what to buy; exportable to CSV."""

    COLUMNS = ("Producto", "Existencia", "Mínimo", "Comprar", "Costo estimado")
    loaded = Signal(int)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.rows: list[LowStockRow] = []
        self.table = grid(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.summary = QLabel(" ")
        # Where the CSV goes; tests replace it so no file dialog opens.
        self.choose_path: Callable[[], Path | None] = self._ask_path
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(button("Actualizar", self.load))
        buttons.addWidget(button("Exportar CSV", self.export))
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

    def load(self) -> None:
        self.ask(inventory.low_stock, self._show)

    def _show(self, rows: list[LowStockRow]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            item, w = r.item, r.item.sold_by_weight
            cells = (cell(item.name), cell(format_quantity(item.stock_milli, w), right=True),
                     cell(format_quantity(item.min_stock_milli, w), right=True),
                     cell(format_quantity(r.to_buy_milli, w), right=True),
                     cell(format_mxn(r.purchase_cost), right=True))
            for col, shown in enumerate(cells):
                if item.stock_milli <= 0:
                    shown.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(i, col, shown)
        self.summary.setText(f"{count(len(rows), 'producto')} bajo mínimo · compra estimada "
                             f"{format_mxn(sum(r.purchase_cost for r in rows))}" if rows
                             else "Ningún producto está bajo su mínimo.")
        self.loaded.emit(len(rows))

    def _ask_path(self) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, "Exportar faltantes", "faltantes.csv", "CSV (*.csv)")
        return Path(name) if name else None

    def export(self) -> None:
        path = self.choose_path()
        if path is None:
            return
        rows = list(self.rows)
        self.ask(lambda _till: inventory.export_low_stock(rows, path),
                 lambda _: self.say(f"Exportado a {path}."))


class HistoryTab(Tab):
    """A product's every stock movement with the running balance, in the shop's time zone."""

    COLUMNS = ("Fecha", "Movimiento", "Referencia", "Cantidad", "Existencia")

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.item: StockItem | None = None
        self.picker = ProductPicker(self)
        self.picker.picked.connect(self.show_product)
        self.title = QLabel("Elige un producto para ver sus movimientos.")
        self.table = grid(self.COLUMNS, stretch=2)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)

    def show_product(self, item: StockItem) -> None:
        self.item = item

        self.ask(lambda till: inventory.history(till, item.id), lambda found: self._show(item, found))

    def _show(self, item: StockItem, history: History) -> None:
        rows, tz, w = history.rows, history.zone, item.sold_by_weight
        balance = rows[-1].balance_milli if rows else 0
        self.title.setText(f"{item.name} · existencia actual {format_quantity(balance, w)}")
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            qty = ("+" if r.qty_milli > 0 else "") + format_quantity(r.qty_milli, w)
            cells = (cell(shown_date_time(r.at, tz)), cell(r.kind),
                     cell(r.reference), cell(qty, right=True),
                     cell(format_quantity(r.balance_milli, w), right=True))
            for col, shown in enumerate(cells):
                self.table.setItem(i, col, shown)
        self.table.scrollToBottom()


class InventoryPage(QWidget):
    """The five inventory tasks as tabs; Ctrl+S saves on the tab in front."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.receive_tab, self.adjust_tab, self.count_tab = ReceiveTab(ctx), AdjustTab(ctx), CountTab(ctx)
        self.low_tab, self.history_tab = LowStockTab(ctx), HistoryTab(ctx)
        self.tabs = QTabWidget()
        self.tabs.setStyleSheet("QTabBar::tab { min-height: 40px; padding: 0 12px; }")
        for tab, title in ((self.receive_tab, "Recibir mercancía"), (self.adjust_tab, "Ajustes"),
                           (self.count_tab, "Conteo físico"), (self.low_tab, "Bajo mínimo"),
                           (self.history_tab, "Historial")):
            self.tabs.addTab(tab, title)
            tab.changed.connect(self.low_tab.load)
        self.low_tab.loaded.connect(self._low_count)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        QShortcut(QKeySequence("Ctrl+S"), self, self._save)
        self.low_tab.load()

    def _save(self) -> None:
        current = self.tabs.currentWidget()
        if isinstance(current, Tab):
            current.save()

    def _low_count(self, n: int) -> None:
        self.tabs.setTabText(self.tabs.indexOf(self.low_tab), f"Bajo mínimo ({n})" if n else "Bajo mínimo")
