"""The sale ticket: what a stored sale prints as (first print and reprints), built from its rows.

Built from what was committed, never from the screen's ticket, so a reprint a week later says
exactly what the first print said (plus the REIMPRESIÓN mark and any returns since).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, select

from pos_client.receipts.document import Document, DocumentBuilder, Style
from pos_client.services import staff
from pos_client.services.returns import StoredLine, stored_lines
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import meta
from pos_client.store.repositories.shop import current_settings, zone_named
from pos_client.store.schema import (
    cashiers,
    customers,
    sale_payments,
    sale_return_lines,
    sale_returns,
    sales,
)
from shared.errors import DomainError
from shared.money import format_mxn
from shared.quantity import format_quantity
from shared.sale import PaymentMethod
from shared.sync.invoices import invoice_url
from shared.tax import IvaRate, split_included, summarize

INVOICE_CAPTION = "Escanea para pedir tu factura"
DEFAULT_FOOTER = "¡Gracias por su compra!"
METHOD_LABELS = {
    PaymentMethod.CASH: "Efectivo", PaymentMethod.CARD: "Tarjeta",
    PaymentMethod.TRANSFER: "Transferencia", PaymentMethod.FIADO: "A cuenta (fiado)",
}


class UnknownSale(DomainError):
    code = "unknown_sale"


@dataclass(frozen=True, slots=True)
class _Shop:
    name: str
    address: str | None
    phone: str | None
    rfc: str | None
    footer: str | None
    zone: ZoneInfo


@dataclass(frozen=True, slots=True)
class _Return:
    returned_at: str
    reason: str
    amount: int
    lines: tuple[tuple[int, int, int], ...]  # (line_no, qty_milli, amount)


# ---- reads (SQL kept together here; see the note in services.returns) ------------------------




def _q_shop(conn: Connection) -> _Shop:
    row = current_settings(conn)
    if row is None:
        return _Shop(meta.get(conn, "shop_name") or "Mi tienda", None, None, None, None,
                     zone_named(None))
    return _Shop(row.shop_name, row.address, row.phone, row.rfc, row.receipt_footer,
                 zone_named(row.timezone))


def _q_name(conn: Connection, table: Table, record_id: str | None) -> str | None:
    """A cashier's or customer's name; None when unknown (e.g. not synced here yet)."""
    if not record_id:
        return None
    name: str | None = conn.execute(select(table.c.name).where(table.c.id == record_id)).scalar()
    return name


def _q_payments(conn: Connection, sale_id: uuid.UUID) -> list[tuple[str, int, int, str | None]]:
    rows = conn.execute(
        select(sale_payments.c.method, sale_payments.c.amount, sale_payments.c.tendered,
               sale_payments.c.reference)
        .where(sale_payments.c.sale_id == str(sale_id)).order_by(sale_payments.c.payment_no))
    return [(r.method, r.amount, r.tendered, r.reference) for r in rows]


def _q_returns(conn: Connection, sale_id: uuid.UUID) -> list[_Return]:
    heads = conn.execute(select(sale_returns).where(sale_returns.c.sale_id == str(sale_id))
                         .order_by(sale_returns.c.returned_at)).all()
    out = []
    for h in heads:
        lines = conn.execute(select(sale_return_lines.c.line_no, sale_return_lines.c.qty_milli,
                                    sale_return_lines.c.amount)
                             .where(sale_return_lines.c.return_id == h.id)
                             .order_by(sale_return_lines.c.line_no)).all()
        out.append(_Return(h.returned_at, h.reason, h.amount,
                           tuple((x.line_no, x.qty_milli, x.amount) for x in lines)))
    return out


# ---- layout ---------------------------------------------------------------------------------


def _local_time(iso: str, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(iso).astimezone(zone).strftime("%d/%m/%Y %H:%M")


def _header(doc: DocumentBuilder, shop: _Shop) -> None:
    doc.add(shop.name, Style.TITLE)
    for text in (shop.address, f"Tel. {shop.phone}" if shop.phone else None,
                 f"RFC: {shop.rfc}" if shop.rfc else None):
        if text:
            doc.add(text, Style.CENTER)
    doc.rule()


def _lines(doc: DocumentBuilder, lines: list[StoredLine]) -> None:
    for ln in lines:
        doc.add(ln.name)
        doc.add(f"  {format_quantity(ln.qty_milli, ln.by_weight)} x {format_mxn(ln.unit_price)}",
                right=format_mxn(ln.total + ln.discount))
        if ln.discount:
            doc.add("  Descuento", right=format_mxn(-ln.discount))
    doc.rule()


def _taxes(doc: DocumentBuilder, lines: list[StoredLine]) -> None:
    """Prices include taxes: the ticket shows what part of the total is IVA (and IEPS)."""
    summary = summarize((ln.iva, split_included(ln.total, ln.iva, ln.ieps_bp)) for ln in lines)
    doc.add("Subtotal", right=format_mxn(summary.total - summary.iva - summary.ieps))
    if summary.ieps:
        doc.add("IEPS", right=format_mxn(summary.ieps))
    for rate, split in summary.by_rate.items():
        if rate is not IvaRate.EXENTO:
            doc.add(rate.label, right=format_mxn(split.iva))


def _payments(doc: DocumentBuilder, rows: list[tuple[str, int, int, str | None]], change: int,
              customer: str | None) -> None:
    for method, amount, tendered, reference in rows:
        label = METHOD_LABELS.get(PaymentMethod(method), method)
        doc.add(label, right=format_mxn(tendered if method == PaymentMethod.CASH else amount))
        if reference:
            doc.add(f"  Ref. {reference}")
    if change:
        doc.add("Cambio", Style.BOLD, format_mxn(change))
    if customer:
        doc.add(f"Cliente: {customer}")


def _returns(doc: DocumentBuilder, returns: list[_Return], lines: list[StoredLine],
             zone: ZoneInfo) -> None:
    if not returns:
        return
    by_no = {ln.line_no: ln for ln in lines}
    doc.rule().add("DEVOLUCIONES", Style.BOLD)
    for r in returns:
        doc.add(f"{_local_time(r.returned_at, zone)} {r.reason}")
        for line_no, qty, amount in r.lines:
            ln = by_no[line_no]
            doc.add(f"  {format_quantity(qty, ln.by_weight)} {ln.name}", right=format_mxn(-amount))
    doc.add("Total devuelto", Style.BOLD, format_mxn(-sum(r.amount for r in returns)))
    if all(ln.qty_left == 0 for ln in lines):
        doc.add("*** VENTA CANCELADA ***", Style.CENTER)


def sale_document(conn: Connection, sale_id: uuid.UUID, *, reprint: bool = False) -> Document:
    """The ticket of a stored sale. Opens the drawer only on the first print of a sale taken
    (at least partly) in cash: a reprint must not give anyone access to the drawer."""
    sale = conn.execute(select(sales).where(sales.c.id == str(sale_id))).first()
    if sale is None:
        raise UnknownSale("No encontré esa venta.")
    shop = _q_shop(conn)
    lines = stored_lines(conn, sale_id)
    payments = _q_payments(conn, sale_id)
    doc = DocumentBuilder()
    _header(doc, shop)
    if reprint:
        doc.add("*** REIMPRESIÓN ***", Style.CENTER)
    doc.add(f"Folio: {sale.folio}", Style.BOLD)
    doc.add(f"Fecha: {_local_time(sale.sold_at, shop.zone)}")
    cashier = _q_name(conn, cashiers, sale.cashier_id)
    if cashier:
        doc.add(f"Atendió: {cashier}")
    doc.rule()
    _lines(doc, lines)
    doc.add("TOTAL", Style.BOLD, format_mxn(sale.total))
    _taxes(doc, lines)
    doc.rule()
    on_fiado = any(p[0] == PaymentMethod.FIADO for p in payments)
    _payments(doc, payments, sale.change,
              _q_name(conn, customers, sale.customer_id) if on_fiado else None)
    _returns(doc, _q_returns(conn, sale_id), lines, shop.zone)
    doc.rule().add(shop.footer or DEFAULT_FOOTER, Style.CENTER)
    cash = any(p[0] == PaymentMethod.CASH for p in payments)
    return doc.build(qr=invoice_url(meta.get(conn, "server_url"), sale_id), qr_caption=INVOICE_CAPTION,
                     open_drawer=cash and not reprint,
                     title=f"Ticket {sale.folio}" + (" (reimpresión)" if reprint else ""))


def shop_timezone(db: Database) -> ZoneInfo:
    """The shop's time zone, for showing stored UTC times (sales history, reports)."""
    with db.read() as conn:
        return _q_shop(conn).zone


def receipt(db: Database, sale_id: uuid.UUID) -> Document:
    """The first print, right after the sale was committed."""
    with db.read() as conn:
        return sale_document(conn, sale_id)


def reprint(db: Database, device: Device, sale_id: uuid.UUID,
            cashier_id: uuid.UUID | None) -> Document:
    """A copy of a past ticket. Audited: a reprinted ticket can be used to claim a return."""
    with db.write() as conn:
        document = sale_document(conn, sale_id, reprint=True)
        staff.audit(conn, device, "reprint", cashier_id=cashier_id, subject_id=sale_id,
                    detail=document.title)
    return document
