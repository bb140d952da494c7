"""A document as ESC/POS bytes for 58 mm and 80 mm thermal printers (python-escpos)."""

from __future__ import annotations

from escpos.printer import Dummy

from pos_client.receipts.document import Document, Line, Style
from pos_client.receipts.text import columns, line_text

# One fixed code page, announced once after ESC @ (which resets the printer's). CP858 is
# CP850 (Latin-1 for DOS: ñ, á, ¿, ¡, °) with € instead of ı, and every common ESC/POS
# printer has it at slot 19. python-escpos would otherwise pick a page per character
# ("magic" encoding), so the same ticket could come out as different bytes; a character
# outside CP858 prints as "?".
CODE_PAGE = "CP858"
DRAWER_PIN = 2  # the kick pulse on connector pin 2: what cash drawers are wired to by default
QR_SIZE = {58: 5, 80: 6}  # dots per module: an invoice link (~45 characters) fits either paper


def _printer() -> Dummy:
    printer = Dummy()
    printer.hw("INIT")
    printer.charcode(CODE_PAGE)  # also turns automatic code page switching off
    return printer


def _emit(printer: Dummy, line: Line, width: int) -> None:
    """Print one line in its style and put the printer back to plain left-aligned text. A
    title too long for double width (a long shop name) keeps the full width at double height."""
    if line.style is Style.TITLE:
        text = line_text(line, width).strip()
        wide = len(text) <= width // 2
        printer.set(align="center", bold=True, double_width=wide, double_height=True)
        printer.textln(text)
        printer.set(align="left", bold=False, normal_textsize=True)
    elif line.style is Style.CENTER:
        printer.set(align="center")
        printer.textln(line_text(line, width).strip())
        printer.set(align="left")
    elif line.style is Style.BOLD:
        printer.set(bold=True)
        printer.textln(line_text(line, width))
        printer.set(bold=False)
    else:
        printer.textln(line_text(line, width))


def render_escpos(document: Document, paper_mm: int = 80) -> bytes:
    """The bytes a printer needs for ``document``: text in CP858, the QR drawn by the printer
    itself (GS ( k, sharper and smaller than an image), a full cut (GS V) and, for a cash
    sale, the drawer kick (ESC p) after the cut so the drawer opens as the ticket is torn.
    A document that only opens the drawer is only the kick."""
    if document.drawer_only:
        return drawer_kick()
    width = columns(paper_mm)
    printer = _printer()
    for line in document.lines:
        _emit(printer, line, width)
    if document.qr:
        printer.ln()
        printer.set(align="center")
        printer.qr(document.qr, size=QR_SIZE[paper_mm], native=True)
        if document.qr_caption:
            printer.textln(document.qr_caption[:width])
        printer.set(align="left")
    printer.cut()
    if document.open_drawer:
        printer.cashdraw(DRAWER_PIN)
    data: bytes = printer.output
    return data


def drawer_kick() -> bytes:
    """Only the kick pulse: opening the drawer without printing (a cash-in, change)."""
    printer = Dummy()
    printer.cashdraw(DRAWER_PIN)
    data: bytes = printer.output
    return data
