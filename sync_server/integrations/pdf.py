"""Text documents as PDF files (the estado de cuenta sent over WhatsApp)."""

from __future__ import annotations

from fpdf import FPDF


def text_pdf(title: str, text: str) -> bytes:
    """A letter-size PDF: the title, then the text line by line in a fixed-width font (the
    statement is laid out in columns). The PDF core fonts hold Latin-1, which covers Spanish;
    anything else (an emoji) prints as "?"."""
    pdf = FPDF(format="Letter")
    pdf.set_title(_latin1(title))
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.multi_cell(0, 8, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Courier", size=10)
    for line in text.splitlines() or [""]:
        pdf.multi_cell(0, 5, _latin1(line) or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")
