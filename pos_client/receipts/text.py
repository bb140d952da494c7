"""A document as plain text of the paper's width: the on-screen preview, logs and the printer's
line layout (the ESC/POS renderer lays lines out with the same functions)."""

from __future__ import annotations

from pos_client.receipts.document import Document, Line, Style

COLUMNS = {58: 32, 80: 48}  # characters per line of Font A on 58 mm and 80 mm paper


def columns(paper_mm: int) -> int:
    """Characters per line for a paper width; only the two widths thermal tills use."""
    try:
        return COLUMNS[paper_mm]
    except KeyError:
        raise ValueError(f"unsupported paper width: {paper_mm} mm") from None


def line_text(line: Line, width: int) -> str:
    """One printed line, ``width`` characters at most; amounts in ``right`` are never cut, the
    text before them is."""
    if line.style is Style.RULE:
        return "-" * width
    text = line.text
    if line.right:
        room = width - len(line.right) - 1
        text = f"{text[:room]:<{room}} {line.right}" if room > 0 else line.right[:width]
    if line.style in (Style.CENTER, Style.TITLE):
        return text[:width].center(width).rstrip()
    return text[:width].rstrip()


def render_text(document: Document, paper_mm: int = 80) -> str:
    width = columns(paper_mm)
    out = [line_text(line, width) for line in document.lines]
    if document.qr:
        out += ["", "[QR] " + document.qr]
        if document.qr_caption:
            out.append(document.qr_caption[:width].center(width).rstrip())
    return "\n".join(out) + "\n"
