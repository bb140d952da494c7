"""Print a document on the till's printer, or show it on screen when there is none."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QDialog, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from pos_client.receipts.document import Document, PrinterError
from pos_client.receipts.text import render_text
from pos_client.ui.context import AppContext


class PreviewDialog(QDialog):
    """The document as it would come out of the printer."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(document.title or "Vista previa")
        self.text = QPlainTextEdit(render_text(document))
        self.text.setReadOnly(True)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(11)
        self.text.setFont(QFont(font))
        self.text.setMinimumSize(460, 420)
        close = QPushButton("Cerrar (Esc)")
        close.setMinimumHeight(48)
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(close)


def print_or_preview(
    ctx: AppContext, parent: QWidget, document: Document,
    on_failed: object = None,
) -> QDialog | None:
    """Send ``document`` to the printer on the worker thread, or open a preview when the till
    has no printer. A printer error calls ``on_failed(message)`` (Spanish) if given."""
    printer = ctx.printer
    if printer is None:
        dialog = PreviewDialog(document, parent)
        dialog.open()
        return dialog

    def failed(exc: BaseException) -> None:
        message = exc.message if isinstance(exc, PrinterError) else "No se pudo imprimir."
        if callable(on_failed):
            on_failed(message)

    ctx.worker.submit(lambda: printer.print_document(document), None, failed)
    return None
