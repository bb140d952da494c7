"""The sales history: find a past sale by folio, see its ticket, reprint it, return part of it or
cancel it (with a reason and the CANCEL permission)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from pos_client.receipts.document import Document
from pos_client.receipts.text import render_text
from pos_client.services import returns, tickets
from pos_client.services.returns import HistoryRow, RefundChoice, SaleHistory, StoredLine, Tenders
from pos_client.services.staff import Cashier
from pos_client.ui.auth import request_permission
from pos_client.ui.context import AppContext
from pos_client.ui.invoice_dialog import InvoiceDialog
from pos_client.ui.models import ModelIndex, RowsModel
from pos_client.ui.operations import Operation
from pos_client.ui.printing import print_or_preview, receipt_font
from pos_client.ui.qt import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QShortcut,
    QSplitter,
    Qt,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.refund_split import RefundBox, describe
from pos_client.ui.widgets import ERROR_STYLE, shortcut_button
from shared.clock import DEFAULT_ZONE, shown_date_time
from shared.errors import DomainError
from shared.money import format_mxn
from shared.permissions import Permission
from shared.quantity import format_quantity, parse_quantity
from shared.returns import RefundSplit
from shared.sync.payloads import SaleReturnPayload

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
STATUS_LABELS = {"": "", "devuelta": "Con devolución", "cancelada": "Cancelada"}


class HistoryModel(RowsModel[HistoryRow]):
    HEADERS = ("Folio", "Fecha y hora", "Total", "Cajero", "Estado")

    def __init__(self) -> None:
        super().__init__()
        self.zone: tzinfo = DEFAULT_ZONE  # the shop's, which comes with the rows

    def row(self, row: int) -> HistoryRow:
        return self._rows[row]

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            when = shown_date_time(datetime.fromisoformat(r.sold_at), self.zone)
            return (r.folio, when, format_mxn(r.total), r.cashier or "—",
                    STATUS_LABELS[r.status])[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return _RIGHT
        return None


class ReturnDialog(QDialog):
    """Which lines and how much of each go back, and why. In cancel mode every line goes back
    whole and only the reason is asked. Below the lines, how the money goes back (as it was
    paid unless the cashier types a card or transfer part). ``submit(reason, quantities,
    refund)`` runs the return; the dialog stays open showing the refusal if there is one."""

    def __init__(self, folio: str, lines: list[StoredLine], tenders: Tenders, cancel: bool,
                 submit: Callable[[ReturnDialog, str, dict[int, int] | None,
                                   RefundChoice | None], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines, self.cancel, self._submit = lines, cancel, submit
        self.setWindowTitle(f"Cancelar la venta {folio}" if cancel else f"Devolver de la venta {folio}")
        self.resize(720, 560)
        self.table = QTableWidget(len(lines), 4)
        self.table.setHorizontalHeaderLabels(["Producto", "Vendido", "Quedan", "A devolver"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(48)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.qty_inputs: list[QLineEdit] = []
        for i, ln in enumerate(lines):
            for col, text in enumerate([ln.name, format_quantity(ln.qty_milli, ln.by_weight),
                                        format_quantity(ln.qty_left, ln.by_weight)]):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.table.setItem(i, col, item)
            qty = QLineEdit(format_quantity(ln.qty_left, ln.by_weight) if cancel else "")
            qty.setPlaceholderText("0")
            qty.setAccessibleName(f"Cantidad a devolver de {ln.name}")
            qty.setEnabled(not cancel and ln.qty_left > 0)
            self.table.setCellWidget(i, 3, qty)
            self.qty_inputs.append(qty)
        self.refund = RefundBox(lines, tenders, self._typed)
        for qty in self.qty_inputs:
            qty.textChanged.connect(self.refund.refresh)
        self.reason = QLineEdit()
        self.reason.setMinimumHeight(44)
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText("Motivo (obligatorio), por ejemplo: venía caducado")
        self.reason.setAccessibleName("Motivo")
        self.error_label = QLabel(" ")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.ok_button = QPushButton("Cancelar la venta (Enter)" if cancel else "Devolver (Enter)")
        self.ok_button.setMinimumHeight(48)
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.confirm)
        back = QPushButton("Regresar (Esc)")
        back.setMinimumHeight(48)
        back.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        if cancel:
            layout.addWidget(QLabel("Se devuelve todo lo que queda de la venta."))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.refund)
        layout.addWidget(self.reason)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        (self.reason if cancel else (self.qty_inputs[0] if self.qty_inputs else self.reason)).setFocus()

    def quantities(self) -> dict[int, int]:
        """What was typed, in thousandths; refuses what isn't a quantity (Spanish message)."""
        wanted = {}
        for ln, field in zip(self.lines, self.qty_inputs, strict=True):
            typed = field.text().strip()
            if typed and typed != "0":
                wanted[ln.line_no] = parse_quantity(typed, ln.by_weight)
        return wanted

    def _typed(self) -> dict[int, int] | None:
        return None if self.cancel else self.quantities()

    def confirm(self) -> None:
        reason = self.reason.text().strip()
        if not reason:
            self.show_error("Escribe el motivo.")
            self.reason.setFocus()
            return
        try:
            quantities = None if self.cancel else self.quantities()
            refund = self.refund.choice()
        except DomainError as exc:
            self.show_error(exc.message)
            return
        if quantities == {}:
            self.show_error("Escribe cuánto se devuelve de al menos un producto.")
            return
        self.ok_button.setEnabled(False)
        self._submit(self, reason, quantities, refund)

    def show_error(self, message: str) -> None:
        self.ok_button.setEnabled(True)
        self.error_label.setText(message)


class SalesHistoryDialog(QDialog):
    """Recent sales with their tickets; every database and printer job runs on the worker."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Ventas")
        self.resize(1000, 560)
        self.model = HistoryModel()
        self.return_dialog: ReturnDialog | None = None
        self.preview_dialog: QDialog | None = None
        self.pin_dialog: QDialog | None = None
        self._shown_id: uuid.UUID | None = None
        self._build()
        self.reload()

    # ---- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setMinimumHeight(44)
        self.search.setPlaceholderText("Buscar por folio, por ejemplo 42  (Ctrl+F)")
        self.search.setAccessibleName("Buscar folio")
        self.search.textChanged.connect(lambda _: self.reload())
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(40)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self.ticket = QPlainTextEdit()
        self.ticket.setReadOnly(True)
        self.ticket.setFont(receipt_font())
        self.ticket.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.ticket.setAccessibleName("Ticket")
        split = QSplitter()
        split.addWidget(self.view)
        split.addWidget(self.ticket)
        split.setSizes([500, 500])
        self.message_label = QLabel(" ")
        self.message_label.setWordWrap(True)
        def big(text: str, slot: Callable[[], object], key: str | None = None) -> QPushButton:
            return shortcut_button(self, text, slot, key, height=56)

        self.reprint_button = big("Reimprimir (F4)", self.reprint, "F4")
        self.return_button = big("Devolver (F7)", lambda: self.start_return(False), "F7")
        self.cancel_button = big("Cancelar venta (F9)", lambda: self.start_return(True), "F9")
        self.invoice_button = big("Facturar (F8)", self.start_invoice, "F8")
        close = big("Cerrar (Esc)", self.accept)
        QShortcut(QKeySequence("Ctrl+F"), self, self.search.setFocus)
        buttons = QHBoxLayout()
        for button in (self.reprint_button, self.invoice_button, self.return_button,
                       self.cancel_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(split, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)
        self._update_buttons()


    def say(self, text: str, error: bool = False) -> None:
        self.message_label.setStyleSheet(ERROR_STYLE if error else "")
        self.message_label.setText(text)

    # ---- loading --------------------------------------------------------------------------------

    def selected(self) -> HistoryRow | None:
        index = self.view.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def reload(self, keep: uuid.UUID | None = None) -> None:
        folio = self.search.text()

        def show(history: SaleHistory) -> None:
            if folio != self.search.text():
                return  # typed on meanwhile: a newer load is coming
            self.model.zone = history.zone
            self.model.set_rows(history.rows)
            ids = [r.sale_id for r in history.rows]
            self.view.selectRow(ids.index(keep) if keep in ids else 0)
            self._show_selected()

        Operation(self.ctx, lambda till: returns.sale_history(till, folio)).success(show).failure(
            self._failed).run()

    def _show_selected(self) -> None:
        row = self.selected()
        self._update_buttons()
        shown_id = row.sale_id if row else None
        if shown_id != self._shown_id:  # another sale: what was said was about the one before
            self._shown_id = shown_id
            self.say("")
        if row is None:
            self.ticket.setPlainText("No hay ventas que mostrar." if not self.search.text()
                                     else "Ningún folio coincide con la búsqueda.")
            return

        def shown(document: Document) -> None:
            if self.selected() == row:
                self.ticket.setPlainText(render_text(document))

        Operation(self.ctx, lambda till: tickets.receipt(till, row.sale_id)).success(
            shown).failure(self._failed).run()

    def _failed(self, message: str) -> None:
        self.say(message, error=True)

    def _update_buttons(self) -> None:
        row = self.selected()
        self.reprint_button.setEnabled(row is not None)
        open_sale = row is not None and row.status != "cancelada"
        self.return_button.setEnabled(open_sale)
        self.cancel_button.setEnabled(open_sale)
        self.invoice_button.setEnabled(open_sale)

    # ---- actions --------------------------------------------------------------------------------

    def _cashier_id(self) -> uuid.UUID | None:
        return self.ctx.session.cashier.id if self.ctx.session else None

    def reprint(self) -> None:
        row = self.selected()
        if row is None:
            return
        cashier_id = self._cashier_id()

        def send(document: Document) -> None:
            # With no printer the copy is the preview: "Reimprimiendo…" would stay for good.
            self.say(f"Reimprimiendo el ticket {row.folio}…" if self.ctx.printer else "")
            self.preview_dialog = print_or_preview(
                self.ctx, self, document, on_failed=self._print_failed,
                on_printed=lambda: self.say(f"Ticket {row.folio} reimpreso."))

        Operation(self.ctx, lambda till: tickets.reprint(till, row.sale_id, cashier_id)).success(
            send).failure(self._failed).run()

    def _print_failed(self, message: str) -> None:
        self.say(f"{message} Revisa la impresora y vuelve a intentar con Reimprimir (F4).", error=True)

    def start_invoice(self) -> None:
        """The customer's own invoice for the selected sale (invoice_dialog.py)."""
        row = self.selected()
        if row is not None and row.status != "cancelada":
            self.invoice_dialog = InvoiceDialog(self.ctx, row.sale_id, row.folio, self)
            self.invoice_dialog.open()

    def start_return(self, cancel: bool) -> None:
        """Ask for the CANCEL permission (a PIN if this cashier lacks it), then what goes back."""
        row = self.selected()
        if row is None or row.status == "cancelada":
            return
        self.pin_dialog = request_permission(
            self.ctx, self, Permission.CANCEL, lambda approver: self._open_return(row, cancel, approver))

    def _open_return(self, row: HistoryRow, cancel: bool, approver: Cashier) -> None:
        def ask(found: tuple[list[StoredLine], Tenders]) -> None:
            def submit(dialog: ReturnDialog, reason: str, quantities: dict[int, int] | None,
                       refund: RefundChoice | None) -> None:
                self._run_return(dialog, row, reason, quantities, refund, approver)

            self.return_dialog = ReturnDialog(row.folio, *found, cancel, submit, self)
            self.return_dialog.open()

        Operation(self.ctx, lambda till: (returns.returnable_lines(till, row.sale_id),
                                          returns.refund_tenders(till, row.sale_id))).success(
            ask).failure(self._failed).run()

    def _run_return(self, dialog: ReturnDialog, row: HistoryRow, reason: str,
                    quantities: dict[int, int] | None, refund: RefundChoice | None,
                    approver: Cashier) -> None:
        cashier_id = self._cashier_id()

        def done(payload: SaleReturnPayload) -> None:
            dialog.accept()
            p = payload
            split = RefundSplit(p.refund_to_account, p.refund_card, p.refund_transfer,
                                p.amount - p.refund_to_account - p.refund_card - p.refund_transfer)
            what = "Venta cancelada" if quantities is None else "Devolución registrada"
            self.say(f"{what}: {row.folio}, {describe(split)}.")
            self.reload(keep=row.sale_id)

        Operation(self.ctx, lambda till: returns.return_sale(
            till, row.sale_id, reason, quantities, cashier_id, authorized_by=approver.id,
            refund=refund)).success(
            done).failure(dialog.show_error).run()
