"""The estado de cuenta on paper: every movement with the running balance, then the totals,
the limit and what credit is left."""

from __future__ import annotations

from pos_client.receipts.document import Document, DocumentBuilder, Style
from shared.clock import shown_date_time
from shared.fiado import EntryKind, Statement
from shared.money import format_mxn
from shared.phone import display_phone

ENTRY_LABELS: dict[EntryKind, str] = {"venta": "Cargo", "cargo": "Cargo", "abono": "Abono",
                                      "devolucion": "Devolución"}


def statement_document(st: Statement) -> Document:
    """Two lines per movement so it fits 58 mm paper too; dates in the shop's time zone."""
    tz, c = st.tz, st.customer
    doc = DocumentBuilder().add(st.shop_name, Style.TITLE).add("Estado de cuenta", Style.CENTER)
    doc.add(shown_date_time(st.generated_at, tz), Style.CENTER).rule()
    doc.add(c.name, Style.BOLD)
    if c.phone:
        doc.add(f"Tel. {display_phone(c.phone)}")
    doc.rule()
    if st.since:
        doc.add(f"Saldo al {st.since.astimezone(tz):%d/%m/%Y}", right=format_mxn(st.opening_balance))
    for e in st.entries:
        doc.add(f"{e.at.astimezone(tz):%d/%m/%y %H:%M} {e.description}")
        sign, amount = ("+", e.charge) if e.charge else ("-", e.payment)
        doc.add(f"  {ENTRY_LABELS[e.kind]} {sign}{format_mxn(amount)}", right=format_mxn(e.balance))
    if not st.entries:
        doc.add("Sin movimientos.")
    doc.rule().add("Compras a crédito", right=format_mxn(st.charged))
    doc.add("Abonos", right=format_mxn(st.paid))
    if st.returned:
        doc.add("Devoluciones", right=format_mxn(st.returned))
    label = "Saldo a favor" if st.closing_balance < 0 else "Saldo actual"
    doc.add(label, Style.BOLD, right=format_mxn(abs(st.closing_balance)))
    doc.add("Límite de crédito", right=format_mxn(c.credit_limit))
    doc.add("Crédito disponible", right=format_mxn(max(0, c.credit_limit - st.closing_balance)))
    doc.rule().add("Gracias por su preferencia", Style.CENTER)
    return doc.build(title=f"Estado de cuenta — {c.name}")
