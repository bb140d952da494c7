"""Shifts and cortes: this till's open shift, cash in and out, Corte X and Z, reprints."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from pos_client.receipts.corte import corte_document
from pos_client.receipts.document import PrinterError
from pos_client.services import cortes
from pos_client.services.cortes import Overview
from pos_client.services.staff import Cashier
from pos_client.ui.auth import request_permission
from pos_client.ui.context import AppContext
from pos_client.ui.corte_dialog import GREEN, RED, CorteDialog
from pos_client.ui.operations import Operation
from pos_client.ui.printing import print_or_preview
from pos_client.ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QDialog,
    QFont,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QModelIndex,
    QPersistentModelIndex,
    QPushButton,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shared.corte import CashDirection, CorteKind, CorteReport, describe_difference, pending_text
from shared.errors import DomainError
from shared.money import format_mxn, parse_mxn
from shared.permissions import Permission
from shared.sale import PaymentMethod
from shared.spanish import count

_ModelIndex = QModelIndex | QPersistentModelIndex


class HistoryModel(QAbstractTableModel):
    """Closed shifts, newest first: what was expected and counted in cash, and the difference."""

    HEADERS = ("Cerrado", "Cajero", "Ventas", "Efectivo esperado", "Contado", "Diferencia")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CorteReport] = []
        self.tz: ZoneInfo | None = None

    def set_rows(self, rows: list[CorteReport], tz: ZoneInfo) -> None:
        self.beginResetModel()
        self.rows, self.tz = rows, tz
        self.endResetModel()

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation is Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        report = self.rows[index.row()]
        diff = report.difference(PaymentMethod.CASH)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 5 and diff:
            return Qt.GlobalColor.red if diff < 0 else Qt.GlobalColor.darkGreen
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        closed = report.closed_at.astimezone(self.tz) if report.closed_at else None
        counted = report.counted.get(PaymentMethod.CASH)
        return (
            f"{closed:%d/%m/%Y %H:%M}" if closed else "",
            report.shift.cashier_name or "—",
            f"{report.sales_count} · {format_mxn(report.sales_total)}",
            format_mxn(report.expected(PaymentMethod.CASH)),
            format_mxn(counted) if counted is not None else "—",
            describe_difference(diff) if diff is not None else "—",
        )[index.column()]


class CashMovementDialog(QDialog):
    """Cash into or out of the drawer: an amount and a reason, both required. ``approver`` is
    who allowed opening the drawer (the cashier, or whoever typed their PIN): it is audited
    with the movement."""

    def __init__(self, ctx: AppContext, shift_id: uuid.UUID, direction: CashDirection,
                 parent: QWidget | None = None, approver: Cashier | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.shift_id, self.direction = ctx, shift_id, direction
        self.approver = approver
        self.setWindowTitle("Entrada de efectivo" if direction == "entrada" else "Salida de efectivo")
        self.setMinimumWidth(440)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("Importe, p. ej. 200.00")
        self.amount.setMinimumHeight(48)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Motivo (obligatorio): pago a proveedor, morralla…")
        self.reason.setMaxLength(200)
        self.reason.setMinimumHeight(48)
        self.amount.returnPressed.connect(self.reason.setFocus)
        self.reason.returnPressed.connect(self.try_accept)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {RED};")
        cancel = QPushButton("Cancelar (Esc)")
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton("Guardar (Enter)")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.try_accept)
        buttons = QHBoxLayout()
        for b in (cancel, self.save_button):
            b.setMinimumHeight(56)
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.amount)
        layout.addWidget(self.reason)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

    def try_accept(self) -> None:
        if not self.save_button.isEnabled():
            return
        try:
            amount = parse_mxn(self.amount.text())
        except DomainError as exc:
            self.error_label.setText(exc.message)
            self.amount.setFocus()
            return
        reason, direction, shift_id = self.reason.text(), self.direction, self.shift_id
        cashier_id = self.ctx.session.cashier.id if self.ctx.session else None
        approver_id = self.approver.id if self.approver else None
        self.save_button.setEnabled(False)
        Operation(self.ctx, lambda till: cortes.move_cash(
            till, shift_id, direction, amount, reason, cashier_id=cashier_id,
            authorized_by=approver_id)).success(lambda _id: self.accept()).failure(self._failed).run()

    def _failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.error_label.setText(message)


def _button(text: str, keys: str) -> QPushButton:
    button = QPushButton(f"{text} ({keys})")
    button.setShortcut(QKeySequence(keys))
    button.setMinimumHeight(56)
    return button


class CortesPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.data: Overview | None = None
        self.dialog: QDialog | None = None  # the one open now (tests drive it)
        title = QFont()
        title.setPointSize(15)
        title.setBold(True)
        self.shift_label = QLabel("Cargando turno…")
        self.shift_label.setFont(title)
        self.shift_label.setWordWrap(True)
        self.figures_label = QLabel()
        self.figures_label.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)

        self.in_button = _button("Entrada de efectivo", "F5")
        self.out_button = _button("Salida de efectivo", "F6")
        self.x_button = _button("Corte X", "F7")
        self.z_button = _button("Corte Z (cerrar turno)", "F8")
        self.in_button.clicked.connect(lambda: self.ask_movement("entrada"))
        self.out_button.clicked.connect(lambda: self.ask_movement("salida"))
        self.x_button.clicked.connect(lambda: self.open_corte("X"))
        self.z_button.clicked.connect(lambda: self.open_corte("Z"))
        actions = QHBoxLayout()
        for b in (self.in_button, self.out_button, self.x_button, self.z_button):
            actions.addWidget(b)

        self.model = HistoryModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.reprint())
        self.reprint_button = _button("Reimprimir", "Ctrl+P")
        self.reprint_button.clicked.connect(self.reprint)
        history_head = QHBoxLayout()
        history_head.addWidget(QLabel("<b>Cortes anteriores</b>"), 1)
        history_head.addWidget(self.reprint_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.shift_label)
        layout.addWidget(self.figures_label)
        layout.addLayout(actions)
        layout.addWidget(self.message_label)
        layout.addLayout(history_head)
        layout.addWidget(self.table, 1)
        self._enable(False)
        self.load()

    # --- loading --------------------------------------------------------------------------

    def load(self) -> None:
        Operation(self.ctx, lambda till: cortes.overview(till, limit=50)) \
            .success(self._show).failure(self._load_failed).run()

    def _show(self, data: Overview) -> None:
        self.data = data
        tz = data.letterhead.tz
        self.model.set_rows(data.history, tz)
        self.reprint_button.setEnabled(bool(data.history))
        if data.history and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        current = data.current
        self._enable(current is not None)
        if current is None:
            self.shift_label.setText("No hay turno abierto en esta caja.")
            self.figures_label.setText("Los turnos se abren en el mostrador, contando el fondo de "
                                       "caja antes de la primera venta.")
            return
        shift = current.shift
        self.shift_label.setText(
            f"Turno abierto por {shift.cashier_name or 'sin cajero'} el "
            f"{shift.opened_at.astimezone(tz):%d/%m/%Y a las %H:%M}")
        cash = PaymentMethod.CASH
        self.figures_label.setText(
            f"Fondo {format_mxn(shift.float_amount)} · {count(current.sales_count, 'venta')} · "
            f"Entradas {format_mxn(current.cash_in)} · Salidas {format_mxn(current.cash_out)} · "
            f"<b>Efectivo esperado en caja: {format_mxn(current.expected(cash))}</b>")

    def _load_failed(self, _message: str) -> None:
        self._say("No se pudieron leer los turnos.", error=True)

    def _enable(self, open_shift: bool) -> None:
        for b in (self.in_button, self.out_button, self.x_button, self.z_button):
            b.setEnabled(open_shift)

    def _say(self, text: str, error: bool = False) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(f"color: {RED if error else GREEN};")

    def _shift_id(self) -> uuid.UUID | None:
        return self.data.current.shift.id if self.data and self.data.current else None

    # --- actions --------------------------------------------------------------------------

    def ask_movement(self, direction: CashDirection) -> None:
        """Cash in or out opens the drawer without a sale, so it takes that permission."""
        if self._shift_id() is not None:
            request_permission(self.ctx, self, Permission.OPEN_DRAWER,
                               lambda who: self._open_movement(direction, who))

    def _open_movement(self, direction: CashDirection, approver: Cashier) -> None:
        shift_id = self._shift_id()
        if shift_id is None:
            return
        dialog = CashMovementDialog(self.ctx, shift_id, direction, self, approver)
        dialog.accepted.connect(lambda: self._moved(dialog))
        self.dialog = dialog
        dialog.open()

    def _moved(self, dialog: CashMovementDialog) -> None:
        word = "Entrada" if dialog.direction == "entrada" else "Salida"
        self._say(f"{word} de {dialog.amount.text().strip()} registrada: {dialog.reason.text().strip()}.")
        printer = self.ctx.printer
        if printer is not None:
            self.ctx.print_worker.submit(printer.open_drawer, None, self._drawer_failed)
        self.load()

    def _drawer_failed(self, exc: BaseException) -> None:
        self._say(exc.message if isinstance(exc, PrinterError) else "No se pudo abrir el cajón.",
                  error=True)

    def open_corte(self, kind: CorteKind) -> None:
        shift_id = self._shift_id()
        if shift_id is None:
            return
        dialog = CorteDialog(self.ctx, shift_id, kind, self)
        dialog.saved.connect(lambda report: self._corte_saved(kind, report))
        dialog.print_failed.connect(lambda message: self._say(message, error=True))
        self.dialog = dialog
        dialog.open()

    def _corte_saved(self, kind: CorteKind, report: CorteReport) -> None:
        done = "Turno cerrado." if kind == "Z" else "Corte X impreso."
        self._say(f"{done} {pending_text(report.pending_changes)}")
        self.load()

    def reprint(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.data is None:
            return
        shift_id = self.model.rows[rows[0].row()].shift.id
        ctx, letterhead = self.ctx, self.data.letterhead
        cashier_id = ctx.session.cashier.id if ctx.session else None

        def printed(report: CorteReport) -> None:
            document = corte_document(report, "Z", letterhead.shop, letterhead.tz, ctx.till.now())
            self.dialog = print_or_preview(ctx, self, document,
                                           on_failed=lambda m: self._say(m, error=True))

        Operation(ctx, lambda till: cortes.reprint(till, shift_id, cashier_id)).success(printed) \
            .failure(lambda _m: self._say("No se pudo reimprimir.", error=True)).run()
