"""Counting the drawer for a Corte X or Z: expected vs counted per payment form, then print.

The expected amounts are shown while counting, as eleventa and most Mexican shop software do:
in a corner shop the person closing is usually the owner or a trusted encargado, and seeing a
difference as it appears lets them recount before the shift is closed for good. Every count,
shortage and surplus is still printed, audited and kept, so nothing is hidden by showing it.
"""

from __future__ import annotations

import uuid

from pos_client.receipts.corte import corte_document
from pos_client.services import cortes
from pos_client.services.cortes import Letterhead
from pos_client.services.till import Till
from pos_client.ui.context import AppContext
from pos_client.ui.operations import Operation
from pos_client.ui.printing import print_or_preview
from pos_client.ui.qt import (
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPushButton,
    QShortcut,
    QVBoxLayout,
    QWidget,
    Signal,
)
from shared.corte import (
    BILLS,
    COINS,
    COUNTED_METHODS,
    METHOD_LABELS,
    CorteKind,
    CorteReport,
    count_denominations,
    describe_difference,
    pending_text,
)
from shared.errors import DomainError
from shared.money import Centavos, format_mxn, parse_mxn
from shared.sale import PaymentMethod

RED, GREEN = "#b00020", "#1b7f3b"
# The counting grid: label and value; the $20 bill and the $20 coin are separate rows.
DENOMINATION_ROWS: tuple[tuple[str, Centavos], ...] = (
    *((f"Billete {format_mxn(v).replace('.00', '')}", v) for v in BILLS),
    *((f"Moneda {format_mxn(v).replace('.00', '')}", v) for v in COINS),
)


class CorteDialog(QDialog):
    """Count, compare, confirm. A Z closes the shift; an X only prints. ``saved`` carries the
    report as stored; ``print_failed`` the printer's Spanish message (after the save stood)."""

    saved = Signal(object)
    print_failed = Signal(str)

    def __init__(self, ctx: AppContext, shift_id: uuid.UUID, kind: CorteKind,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.shift_id, self.kind = ctx, shift_id, kind
        self.report: CorteReport | None = None
        self.letterhead: Letterhead | None = None  # the paper's header, read with the report
        self.setWindowTitle("Corte Z: cerrar turno" if kind == "Z" else "Corte X (parcial)")
        self.setMinimumWidth(860)

        self.expected_labels: dict[PaymentMethod, QLabel] = {}
        self.counted_inputs: dict[PaymentMethod, QLineEdit] = {}
        self.diff_labels: dict[PaymentMethod, QLabel] = {}
        self.denomination_inputs: dict[str, tuple[Centavos, QLineEdit]] = {}

        self.note = QLineEdit()
        self.note.setPlaceholderText("Nota (opcional)")
        self.note.setMaxLength(300)
        self.note.setMinimumHeight(44)
        self.pending_label = QLabel("Revisando cambios por sincronizar…")
        self.pending_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {RED};")

        body = QHBoxLayout()
        body.addWidget(self._forms_box(), 3)
        self.denominations_box = self._denominations_box()
        self.denominations_box.hide()
        body.addWidget(self.denominations_box, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(self.note)
        layout.addWidget(self.pending_label)
        layout.addWidget(self.error_label)
        layout.addLayout(self._actions())
        self._set_busy(True)
        Operation(ctx, lambda till: cortes.counting(till, shift_id)) \
            .success(self._show_loaded).failure(self._load_failed).run()

    # --- building -------------------------------------------------------------------------

    def _forms_box(self) -> QGroupBox:
        box = QGroupBox("Contado contra esperado")
        grid = QGridLayout(box)
        for col, title in enumerate(("", "Esperado", "Contado", "Diferencia")):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, col)
        for row, method in enumerate(COUNTED_METHODS, start=1):
            expected, counted, diff = QLabel("…"), QLineEdit(), QLabel("—")
            counted.setMinimumHeight(48)
            counted.setPlaceholderText("0.00")
            counted.setAccessibleName(f"Contado en {METHOD_LABELS[method]}")
            counted.textChanged.connect(self._update_differences)
            counted.returnPressed.connect(self.focusNextChild)
            grid.addWidget(QLabel(METHOD_LABELS[method]), row, 0)
            grid.addWidget(expected, row, 1)
            grid.addWidget(counted, row, 2)
            grid.addWidget(diff, row, 3)
            self.expected_labels[method], self.counted_inputs[method] = expected, counted
            self.diff_labels[method] = diff
        self.fiado_label = QLabel()
        grid.addWidget(self.fiado_label, len(COUNTED_METHODS) + 1, 0, 1, 4)
        self.by_denomination = QPushButton("Contar billetes y monedas (F4)")
        self.by_denomination.setCheckable(True)
        self.by_denomination.setMinimumHeight(48)
        self.by_denomination.setShortcut(QKeySequence("F4"))
        self.by_denomination.toggled.connect(self._toggle_denominations)
        grid.addWidget(self.by_denomination, len(COUNTED_METHODS) + 2, 0, 1, 4)
        return box

    def _denominations_box(self) -> QGroupBox:
        box = QGroupBox("Efectivo por billetes y monedas (piezas)")
        grid = QGridLayout(box)
        half = (len(DENOMINATION_ROWS) + 1) // 2
        for i, (label, value) in enumerate(DENOMINATION_ROWS):
            pieces = QLineEdit()
            pieces.setPlaceholderText("0")
            pieces.setMaxLength(6)
            pieces.setMinimumHeight(36)
            pieces.setAccessibleName(label)
            pieces.textChanged.connect(self._update_from_denominations)
            row, col = i % half, (i // half) * 2
            grid.addWidget(QLabel(label), row, col)
            grid.addWidget(pieces, row, col + 1)
            self.denomination_inputs[label] = (value, pieces)
        self.denomination_total = QLabel()
        grid.addWidget(self.denomination_total, half, 0, 1, 4)
        return box

    def _actions(self) -> QHBoxLayout:
        cancel = QPushButton("Cancelar (Esc)")
        cancel.setMinimumHeight(56)
        cancel.clicked.connect(self.reject)
        text = "Cerrar turno e imprimir" if self.kind == "Z" else "Imprimir corte X"
        self.confirm_button = QPushButton(f"{text} (Ctrl+Enter)")
        self.confirm_button.setMinimumHeight(56)
        self.confirm_button.setAutoDefault(False)
        self.confirm_button.clicked.connect(self.confirm)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self).activated.connect(self.confirm)
        row = QHBoxLayout()
        row.addWidget(cancel)
        row.addWidget(self.confirm_button)
        return row

    # --- loading and live figures ---------------------------------------------------------

    def _show_loaded(self, loaded: tuple[CorteReport, Letterhead]) -> None:
        self.report, self.letterhead = loaded
        for method in COUNTED_METHODS:
            self.expected_labels[method].setText(format_mxn(self.report.expected(method)))
        self.fiado_label.setText(
            f"Fiado otorgado: {format_mxn(self.report.expected(PaymentMethod.FIADO))} "
            "(crédito; no está en la caja)")
        self.pending_label.setText(pending_text(self.report.pending_changes))
        # Closing offline is fine; the colour only says the server has not heard of it yet.
        self.pending_label.setStyleSheet("color: #8a5a00;" if self.report.pending_changes else "")
        if self.report.closed_at is not None:
            self.error_label.setText("Este turno ya está cerrado. Reimprime su corte desde el historial.")
            return
        self._set_busy(False)
        self._update_differences()
        self.counted_inputs[PaymentMethod.CASH].setFocus()

    def _load_failed(self, message: str) -> None:
        self.error_label.setText(message)

    def _set_busy(self, busy: bool) -> None:
        self.confirm_button.setEnabled(not busy)

    def _update_differences(self) -> None:
        if self.report is None:
            return
        for method in COUNTED_METHODS:
            label, text = self.diff_labels[method], self.counted_inputs[method].text().strip()
            if not text:
                label.setText("—")
                label.setStyleSheet("")
                continue
            try:
                diff = parse_mxn(text) - self.report.expected(method)
            except DomainError:
                label.setText("Importe no válido")
                label.setStyleSheet(f"color: {RED};")
                continue
            label.setText(describe_difference(diff))
            label.setStyleSheet(f"color: {RED if diff < 0 else GREEN}; font-weight: bold;")

    def _toggle_denominations(self, on: bool) -> None:
        self.denominations_box.setVisible(on)
        self.counted_inputs[PaymentMethod.CASH].setReadOnly(on)
        if on:
            next(iter(self.denomination_inputs.values()))[1].setFocus()
            self._update_from_denominations()

    def _update_from_denominations(self) -> None:
        """The grid's total becomes the cash counted; a slip is shown, never guessed."""
        pieces: dict[Centavos, int] = {}
        try:
            for label, (value, field) in self.denomination_inputs.items():
                text = field.text().strip()
                if text and not text.isdigit():
                    raise DomainError(f"Escribe cuántas piezas de {label}, sin letras ni signos.")
                pieces[value] = pieces.get(value, 0) + int(text or 0)
            total = count_denominations(pieces)
        except DomainError as exc:
            self.denomination_total.setText(exc.message)
            self.denomination_total.setStyleSheet(f"color: {RED};")
            return
        self.denomination_total.setText(f"Total en efectivo: {format_mxn(total)}")
        self.denomination_total.setStyleSheet("font-weight: bold;")
        self.counted_inputs[PaymentMethod.CASH].setText(format_mxn(total))

    # --- confirming -----------------------------------------------------------------------

    def counted(self) -> dict[PaymentMethod, Centavos]:
        """What was typed. A Z needs the cash, and any other form that took money this shift;
        an empty form that took nothing counts as zero. An X takes whatever was typed."""
        expected = self.report.expected if self.report else (lambda _m: 0)
        out: dict[PaymentMethod, Centavos] = {}
        for method in COUNTED_METHODS:
            text = self.counted_inputs[method].text().strip()
            if text:
                out[method] = parse_mxn(text)
            elif self.kind == "Z":
                if method is PaymentMethod.CASH or expected(method) != 0:
                    raise DomainError(f"Escribe lo contado en {METHOD_LABELS[method]}.",
                                      code="count_required")
                out[method] = 0
        return out

    def confirm(self) -> None:
        if self.report is None or not self.confirm_button.isEnabled():
            return
        if self.denominations_box.isVisible() and "Total" not in self.denomination_total.text():
            self.error_label.setText("Corrige el conteo de billetes y monedas.")
            return
        try:
            counted = self.counted()
        except DomainError as exc:
            self.error_label.setText(exc.message)
            return
        self.error_label.clear()
        self._set_busy(True)
        note, shift_id = self.note.text(), self.shift_id
        cashier_id = self.ctx.session.cashier.id if self.ctx.session else None
        if self.kind == "Z":
            def job(till: Till) -> CorteReport:
                return cortes.close_with_corte(till, shift_id, counted, note, cashier_id)
        else:
            def job(till: Till) -> CorteReport:
                return cortes.corte_x(till, shift_id, cashier_id, counted, note)
        Operation(self.ctx, job).success(self._saved).failure(self._save_failed).run()

    def _saved(self, report: CorteReport) -> None:
        self.report = report
        session = self.ctx.session
        if self.kind == "Z" and session is not None and session.shift_id == self.shift_id:
            session.shift_id = None  # the counter asks for a new float before the next sale
            self.ctx.session_changed()  # and its status bar says so at once
        letterhead = self.letterhead
        assert letterhead is not None  # loaded with the report, before anything could be confirmed
        document = corte_document(report, self.kind, letterhead.shop, letterhead.tz,
                                  self.ctx.till.now())
        host = self.parentWidget() or self
        print_or_preview(self.ctx, host, document, on_failed=self.print_failed.emit)
        self.saved.emit(report)
        self.accept()

    def _save_failed(self, message: str) -> None:
        self._set_busy(False)
        self.error_label.setText(message)

