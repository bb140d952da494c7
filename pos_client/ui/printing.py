"""Print a document on the till's printer, or show it on screen when there is none."""

from __future__ import annotations

import io
from collections.abc import Callable

import qrcode
from qrcode.image.pil import PilImage

from pos_client.receipts.document import Document, PrinterError
from pos_client.receipts.text import render_text
from pos_client.ui.context import AppContext
from pos_client.ui.qt import (
    QDialog,
    QFont,
    QFontDatabase,
    QLabel,
    QPixmap,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)


def qr_pixmap(content: str, box: int = 4) -> QPixmap:
    """The QR the printer would draw, as an image (qrcode + Pillow, handed to Qt as PNG)."""
    code = qrcode.QRCode(box_size=box, border=2)
    code.add_data(content)
    code.make(fit=True)
    png = io.BytesIO()
    code.make_image(image_factory=PilImage).save(png, format="PNG")
    pixmap = QPixmap()
    pixmap.loadFromData(png.getvalue(), "PNG")
    return pixmap


def receipt_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(10)
    return QFont(font)


class PreviewDialog(QDialog):
    """The document as it would come out of the printer, QR included."""

    def __init__(self, document: Document, parent: QWidget | None = None, paper_mm: int = 80,
                 compact: bool = False) -> None:
        """``compact``: the preview beside the counter, small enough to leave the total and
        the message with the change in sight."""
        super().__init__(parent)
        self.setWindowTitle(document.title or "Vista previa")
        # The QR is drawn below as an image, so the text leaves it out.
        self.text = QPlainTextEdit(render_text(_without_qr(document), paper_mm))
        self.text.setReadOnly(True)
        self.text.setFont(receipt_font())
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setMinimumSize(420 if compact else 460, 170 if compact else 300)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        self.qr_label: QLabel | None = None
        if document.qr:
            self.qr_label = QLabel()
            self.qr_label.setPixmap(qr_pixmap(document.qr, box=2 if compact else 4))
            self.qr_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.qr_label.setToolTip(document.qr)
            layout.addWidget(self.qr_label)
            if document.qr_caption:
                caption = QLabel(document.qr_caption)
                caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
                layout.addWidget(caption)
        close = QPushButton("Cerrar (Esc)")
        close.setMinimumHeight(48)
        close.clicked.connect(self.accept)
        layout.addWidget(close)


def _without_qr(document: Document) -> Document:
    return Document(document.lines, None, None, document.open_drawer, document.title)


def print_or_preview(
    ctx: AppContext, parent: QWidget, document: Document,
    on_failed: Callable[[str], object] | None = None,
    on_printed: Callable[[], object] | None = None,
) -> QDialog | None:
    """Send ``document`` to the printer on the worker thread, or open a preview when the till
    has no printer. A printer error calls ``on_failed(message)`` (Spanish) so the caller can
    offer a reprint; whatever the document is about (a sale) was committed before and stays."""
    printer = ctx.printer
    if printer is None:
        dialog = PreviewDialog(document, parent)
        dialog.open()
        return dialog

    def failed(exc: BaseException) -> None:
        message = exc.message if isinstance(exc, PrinterError) else "No se pudo imprimir."
        if on_failed is not None:
            on_failed(message)

    def printed(_: object) -> None:
        if on_printed is not None:
            on_printed()

    ctx.print_worker.submit(lambda: printer.print_document(document), printed, failed)
    return None
