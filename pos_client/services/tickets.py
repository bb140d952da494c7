"""A stored sale's ticket: what was committed, read in one transaction and handed to the printed
document as plain data (first print after the sale; reprints, which are audited)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pos_client.receipts.document import Document
from pos_client.receipts.sale_ticket import (
    PaidPart,
    ReturnPart,
    SaleTicket,
    SoldLine,
    TicketShop,
    sale_document,
)
from pos_client.services import staff
from pos_client.services.till import Till
from pos_client.store.database import Tx
from pos_client.store.repositories import meta, sales
from pos_client.store.repositories.shop import current_settings, zone_named
from shared.errors import DomainError
from shared.returns import refund_parts
from shared.sync.invoices import invoice_url


class UnknownSale(DomainError):
    code = "unknown_sale"


def receipt(till: Till, sale_id: uuid.UUID) -> Document:
    """The first print, right after the sale was committed (it opens the drawer for cash)."""
    with till.db.read() as tx:
        return sale_document(_sale_ticket(tx, sale_id))


def sale_ticket(till: Till, sale_id: uuid.UUID) -> SaleTicket:
    """What the sale's ticket says, as data (what ``receipt`` and ``reprint`` print)."""
    with till.db.read() as tx:
        return _sale_ticket(tx, sale_id)


def reprint(till: Till, sale_id: uuid.UUID, cashier_id: uuid.UUID | None) -> Document:
    """A copy of a past ticket. Audited: a reprinted ticket can be used to claim a return."""
    with till.db.write() as tx:
        document = sale_document(_sale_ticket(tx, sale_id), reprint=True)
        staff.audit(tx, till, "reprint", cashier_id=cashier_id, subject_id=sale_id,
                    detail=document.title)
    return document


def _shop(tx: Tx) -> TicketShop:
    row = current_settings(tx)
    if row is None:
        return TicketShop(meta.get(tx, "shop_name") or "Mi tienda", None, None, None, None,
                          zone_named(None))
    return TicketShop(row.shop_name, row.address, row.phone, row.rfc, row.receipt_footer,
                      zone_named(row.timezone))


def _sale_ticket(tx: Tx, sale_id: uuid.UUID) -> SaleTicket:
    head = sales.head(tx, sale_id)
    if head is None:
        raise UnknownSale("No encontré esa venta.")
    lines = tuple(
        SoldLine(ln.line_no, ln.name, ln.qty_milli, ln.unit_price, ln.discount, ln.total, ln.iva,
                 ln.ieps_bp, ln.by_weight, ln.qty_left)
        for ln in sales.lines_of(tx, sale_id))
    payments = tuple(PaidPart(p.method, p.amount, p.tendered, p.reference)
                     for p in sales.payments_of(tx, sale_id))
    returns = tuple(ReturnPart(datetime.fromisoformat(r.returned_at), r.reason, r.amount, r.lines,
                               tuple(refund_parts(*r.refund).items()), r.reference)
                    for r in sales.returns_of(tx, sale_id))
    return SaleTicket(sale_id, head.folio, datetime.fromisoformat(head.sold_at), head.total,
                      head.change, head.cashier, head.customer, lines, payments, returns, _shop(tx),
                      invoice_url(meta.get(tx, "server_url"), sale_id))
