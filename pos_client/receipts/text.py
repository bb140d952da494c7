"""A document as plain text of the paper's width: the on-screen preview, and logs."""

from __future__ import annotations

from pos_client.receipts.document import Document, Line, Style

COLUMNS = {58: 32, 80: 48}  # characters per line of Font A on 58 mm and 80 mm paper


def line_text(line: Line, width: int) -> str:
    if line.style is Style.RULE:
        return "-" * width
    text = line.text
    if line.right:
        room = width - len(line.right) - 1
        text = f"{text[:room]:<{room}} {line.right}" if room > 0 else line.right
    if line.style in (Style.CENTER, Style.TITLE):
        return text[:width].center(width).rstrip()
    return text[:width]


def render_text(document: Document, paper_mm: int = 80) -> str:
    width = COLUMNS[paper_mm]
    out = [line_text(line, width) for line in document.lines]
    if document.qr:
        out += ["", "[QR] " + document.qr]
        if document.qr_caption:
            out.append(document.qr_caption[:width].center(width).rstrip())
    return "\n".join(out) + "\n"
