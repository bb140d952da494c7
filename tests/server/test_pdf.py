"""The statement as a PDF: any text (long lines, accents, emoji, empty lines) makes a document."""

from __future__ import annotations

from sync_server.integrations.pdf import text_pdf


def test_a_statement_becomes_a_pdf_whatever_its_text() -> None:
    text = "Doña Lupe 🙂\n\n" + "Coca-Cola 600 ml  $22.00  " * 20 + "\nSaldo: $1,234.50"
    pdf = text_pdf("Estado de cuenta — Abarrotes Doña Mary", text)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 1000
    assert text_pdf("Vacío", "").startswith(b"%PDF")
