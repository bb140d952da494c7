"""The sale ticket: what a stored sale prints as (first print and reprints), from plain data.

The services read what was committed (``services.tickets``) and hand it over as a
``SaleTicket``, never the screen's ticket, so a reprint a week later says exactly what the first
print said (plus the REIMPRESIÓN mark and any returns since).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from pos_client.receipts.document import Document, DocumentBuilder, Style
from shared.clock import shown_date_time
from shared.money import format_mxn
from shared.quantity import format_quantity
from shared.sale import PaymentMethod
from shared.tax import IvaRate, split_included, summarize

INVOICE_CAPTION = "Escanea para pedir tu factura"
DEFAULT_FOOTER = "¡Gracias por su compra!"
METHOD_LABELS = {
    PaymentMethod.CASH: "Efectivo", PaymentMethod.CARD: "Tarjeta",
    PaymentMethod.TRANSFER: "Transferencia", PaymentMethod.FIADO: "A cuenta (fiado)",
}


# ---- what the ticket is built from (plain data the services hand over) -----------------------


@dataclass(frozen=True, slots=True)
class TicketShop:
    """The header and footer: the shop's settings (the device's shop name until there are any)."""

    name: str
    address: str | None
    phone: str | None
    rfc: str | None
    footer: str | None
    zone: ZoneInfo  # the ticket's dates are the shop's local time


@dataclass(frozen=True, slots=True)
class SoldLine:
    line_no: int
    name: str
    qty_milli: int
    unit_price: int
    discount: int
    total: int  # after the line's discount
    iva: IvaRate
    ieps_bp: int
    by_weight: bool
    qty_left: int  # sold minus returned so far


@dataclass(frozen=True, slots=True)
class PaidPart:
    method: str
    amount: int
    tendered: int
    reference: str | None


@dataclass(frozen=True, slots=True)
class ReturnPart:
    returned_at: datetime
    reason: str
    amount: int
    lines: tuple[tuple[int, int, int], ...]  # (line_no, qty_milli, amount)
    # Where the money went (method, centavos) when not all of it was cash; the card's or
    # transfer's reference.
    refunded: tuple[tuple[str, int], ...] = ()
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class SaleTicket:
    """Everything a sale's ticket says, as committed (never the screen's ticket)."""

    sale_id: uuid.UUID
    folio: str
    sold_at: datetime
    total: int
    change: int
    cashier: str | None
    customer: str | None  # printed only on a sale (partly) on fiado
    lines: tuple[SoldLine, ...]
    payments: tuple[PaidPart, ...]
    returns: tuple[ReturnPart, ...]
    shop: TicketShop
    invoice_url: str  # the QR: the self-invoicing page on the till's server


# ---- layout ---------------------------------------------------------------------------------


def _local_time(moment: datetime, zone: ZoneInfo) -> str:
    return shown_date_time(moment, zone)


def _header(doc: DocumentBuilder, shop: TicketShop) -> None:
    doc.add(shop.name, Style.TITLE)
    for text in (shop.address, f"Tel. {shop.phone}" if shop.phone else None,
                 f"RFC: {shop.rfc}" if shop.rfc else None):
        if text:
            doc.add(text, Style.CENTER)
    doc.rule()


def _lines(doc: DocumentBuilder, lines: tuple[SoldLine, ...]) -> None:
    for ln in lines:
        doc.add(ln.name)
        doc.add(f"  {format_quantity(ln.qty_milli, ln.by_weight)} x {format_mxn(ln.unit_price)}",
                right=format_mxn(ln.total + ln.discount))
        if ln.discount:
            doc.add("  Descuento", right=format_mxn(-ln.discount))
    doc.rule()


def _taxes(doc: DocumentBuilder, lines: tuple[SoldLine, ...]) -> None:
    """Prices include taxes: the ticket shows what part of the total is IVA (and IEPS)."""
    summary = summarize((ln.iva, split_included(ln.total, ln.iva, ln.ieps_bp)) for ln in lines)
    doc.add("Subtotal", right=format_mxn(summary.total - summary.iva - summary.ieps))
    if summary.ieps:
        doc.add("IEPS", right=format_mxn(summary.ieps))
    for rate, split in summary.by_rate.items():
        if rate is not IvaRate.EXENTO:
            doc.add(rate.label, right=format_mxn(split.iva))


def _payments(doc: DocumentBuilder, payments: tuple[PaidPart, ...], change: int,
              customer: str | None) -> None:
    for p in payments:
        label = METHOD_LABELS.get(PaymentMethod(p.method), p.method)
        doc.add(label, right=format_mxn(p.tendered if p.method == PaymentMethod.CASH else p.amount))
        if p.reference:
            doc.add(f"  Ref. {p.reference}")
    if change:
        doc.add("Cambio", Style.BOLD, format_mxn(change))
    if customer:
        doc.add(f"Cliente: {customer}")


def _returns(doc: DocumentBuilder, returns: tuple[ReturnPart, ...], lines: tuple[SoldLine, ...],
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
        if any(method != PaymentMethod.CASH for method, _ in r.refunded):  # all cash: as ever
            for method, part in r.refunded:
                label = "A la cuenta" if method == PaymentMethod.FIADO else \
                    METHOD_LABELS.get(PaymentMethod(method), method)
                doc.add(f"  {label}", right=format_mxn(part))
            if r.reference:
                doc.add(f"  Ref. {r.reference}")
    doc.add("Total devuelto", Style.BOLD, format_mxn(-sum(r.amount for r in returns)))
    if all(ln.qty_left == 0 for ln in lines):
        doc.add("*** VENTA CANCELADA ***", Style.CENTER)


def sale_document(sale: SaleTicket, *, reprint: bool = False) -> Document:
    """The ticket of a stored sale. Opens the drawer only on the first print of a sale taken
    (at least partly) in cash: a reprint must not give anyone access to the drawer."""
    shop = sale.shop
    doc = DocumentBuilder()
    _header(doc, shop)
    if reprint:
        doc.add("*** REIMPRESIÓN ***", Style.CENTER)
    doc.add(f"Folio: {sale.folio}", Style.BOLD)
    doc.add(f"Fecha: {_local_time(sale.sold_at, shop.zone)}")
    if sale.cashier:
        doc.add(f"Atendió: {sale.cashier}")
    doc.rule()
    _lines(doc, sale.lines)
    doc.add("TOTAL", Style.BOLD, format_mxn(sale.total))
    _taxes(doc, sale.lines)
    doc.rule()
    on_fiado = any(p.method == PaymentMethod.FIADO for p in sale.payments)
    _payments(doc, sale.payments, sale.change, sale.customer if on_fiado else None)
    _returns(doc, sale.returns, sale.lines, shop.zone)
    doc.rule().add(shop.footer or DEFAULT_FOOTER, Style.CENTER)
    cash = any(p.method == PaymentMethod.CASH for p in sale.payments)
    return doc.build(qr=sale.invoice_url, qr_caption=INVOICE_CAPTION,
                     open_drawer=cash and not reprint,
                     title=f"Ticket {sale.folio}" + (" (reimpresión)" if reprint else ""))
