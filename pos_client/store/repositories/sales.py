"""A stored sale as the history, returns and its printed ticket read it: its head, its lines with
what has come back of each, its payments and its returns (from every till this one has heard of)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from sqlalchemy import Connection, func, select

from pos_client.store.schema import (
    cashiers,
    customers,
    products,
    sale_lines,
    sale_payments,
    sale_return_lines,
    sale_returns,
    sales,
)
from shared.quantity import QTY_SCALE
from shared.tax import IvaRate


@dataclass(frozen=True, slots=True)
class StoredLine:
    """A sale line as stored, with how much of it has been returned so far."""

    line_no: int
    product_id: uuid.UUID | None
    name: str
    qty_milli: int
    unit_price: int
    discount: int
    total: int
    iva: IvaRate
    ieps_bp: int
    by_weight: bool
    returned_qty: int = 0
    returned_amount: int = 0

    @property
    def qty_left(self) -> int:
        return self.qty_milli - self.returned_qty


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One sale in the history list."""

    sale_id: uuid.UUID
    folio: str
    sold_at: str
    total: int
    cashier: str | None
    returned: int  # centavos refunded so far
    status: str  # "", "devuelta" (partly) or "cancelada" (nothing left)


@dataclass(frozen=True, slots=True)
class SaleHead:
    folio: str
    sold_at: str  # ISO, UTC
    total: int
    change: int
    customer_id: uuid.UUID | None
    cashier: str | None  # names; None when unknown here (not synced yet)
    customer: str | None


@dataclass(frozen=True, slots=True)
class StoredPayment:
    method: str
    amount: int
    tendered: int
    reference: str | None


@dataclass(frozen=True, slots=True)
class StoredReturn:
    returned_at: str  # ISO, UTC
    reason: str
    amount: int
    lines: tuple[tuple[int, int, int], ...]  # (line_no, qty_milli, amount)
    # (refund_method, amount, refund_to_account, card, transfer): shared.returns.refund_parts
    refund: tuple[str, int, int, int, int] = ("efectivo", 0, 0, 0, 0)
    reference: str | None = None


def head(conn: Connection, sale_id: uuid.UUID) -> SaleHead | None:
    row = conn.execute(
        select(sales.c.folio, sales.c.sold_at, sales.c.total, sales.c.change, sales.c.customer_id,
               cashiers.c.name.label("cashier"), customers.c.name.label("customer"))
        .outerjoin(cashiers, cashiers.c.id == sales.c.cashier_id)
        .outerjoin(customers, customers.c.id == sales.c.customer_id)
        .where(sales.c.id == str(sale_id))).first()
    if row is None:
        return None
    return SaleHead(row.folio, row.sold_at, row.total, row.change,
                    uuid.UUID(row.customer_id) if row.customer_id else None, row.cashier,
                    row.customer)


def lines_of(conn: Connection, sale_id: uuid.UUID) -> list[StoredLine]:
    back = (select(sale_return_lines.c.line_no, func.sum(sale_return_lines.c.qty_milli).label("qty"),
                   func.sum(sale_return_lines.c.amount).label("amount"))
            .join(sale_returns, sale_returns.c.id == sale_return_lines.c.return_id)
            .where(sale_returns.c.sale_id == str(sale_id))
            .group_by(sale_return_lines.c.line_no).subquery())
    rows = conn.execute(
        select(sale_lines, products.c.sold_by_weight, back.c.qty.label("r_qty"),
               back.c.amount.label("r_amount"))
        .outerjoin(products, products.c.id == sale_lines.c.product_id)
        .outerjoin(back, back.c.line_no == sale_lines.c.line_no)
        .where(sale_lines.c.sale_id == str(sale_id)).order_by(sale_lines.c.line_no))
    return [StoredLine(
        r.line_no, uuid.UUID(r.product_id) if r.product_id else None, r.name, r.qty_milli,
        r.unit_price, r.discount or 0, r.total, IvaRate(r.iva), r.ieps_bp or 0,
        # A line whose product is gone (or "común") is by weight if its quantity is fractional.
        bool(r.sold_by_weight) if r.sold_by_weight is not None else r.qty_milli % QTY_SCALE != 0,
        int(r.r_qty or 0), int(r.r_amount or 0)) for r in rows]


def payments_of(conn: Connection, sale_id: uuid.UUID) -> list[StoredPayment]:
    rows = conn.execute(
        select(sale_payments.c.method, sale_payments.c.amount, sale_payments.c.tendered,
               sale_payments.c.reference)
        .where(sale_payments.c.sale_id == str(sale_id)).order_by(sale_payments.c.payment_no))
    return [StoredPayment(r.method, r.amount, r.tendered, r.reference) for r in rows]


def paid_by_method(conn: Connection, sale_id: uuid.UUID) -> dict[str, int]:
    rows = conn.execute(select(sale_payments.c.method, func.sum(sale_payments.c.amount))
                        .where(sale_payments.c.sale_id == str(sale_id))
                        .group_by(sale_payments.c.method))
    return {method: int(amount) for method, amount in rows}


def refunds(conn: Connection, sale_id: uuid.UUID) -> tuple[int, int]:
    """(refunded so far, of it credited to the customer's account) by the sale's returns."""
    row = conn.execute(select(func.coalesce(func.sum(sale_returns.c.amount), 0),
                              func.coalesce(func.sum(sale_returns.c.refund_to_account), 0))
                       .where(sale_returns.c.sale_id == str(sale_id))).one()
    return int(row[0]), int(row[1])


def refund_rows(conn: Connection, sale_id: uuid.UUID) -> list[tuple[str, int, int, int, int]]:
    """The sale's returns as (refund_method, amount, refund_to_account, card, transfer)."""
    r = sale_returns.c
    rows = conn.execute(select(r.refund_method, r.amount, r.refund_to_account, r.refund_card,
                               r.refund_transfer).where(r.sale_id == str(sale_id)))
    return [(x[0], int(x[1]), int(x[2] or 0), int(x[3] or 0), int(x[4] or 0)) for x in rows]


def returns_of(conn: Connection, sale_id: uuid.UUID) -> list[StoredReturn]:
    """The sale's returns, oldest first, each with its lines."""
    rows = conn.execute(
        select(sale_returns.c.id, sale_returns.c.returned_at, sale_returns.c.reason,
               sale_returns.c.amount, sale_returns.c.refund_method,
               sale_returns.c.refund_to_account, sale_returns.c.refund_card,
               sale_returns.c.refund_transfer, sale_returns.c.refund_reference,
               sale_return_lines.c.line_no, sale_return_lines.c.qty_milli,
               sale_return_lines.c.amount.label("line_amount"))
        .outerjoin(sale_return_lines, sale_return_lines.c.return_id == sale_returns.c.id)
        .where(sale_returns.c.sale_id == str(sale_id))
        .order_by(sale_returns.c.returned_at, sale_returns.c.id, sale_return_lines.c.line_no))
    heads: dict[str, StoredReturn] = {}
    lines: dict[str, list[tuple[int, int, int]]] = {}
    for r in rows:
        heads.setdefault(r.id, StoredReturn(
            r.returned_at, r.reason, r.amount, (),
            (r.refund_method, int(r.amount), int(r.refund_to_account or 0),
             int(r.refund_card or 0), int(r.refund_transfer or 0)), r.refund_reference))
        if r.line_no is not None:
            lines.setdefault(r.id, []).append((r.line_no, r.qty_milli, r.line_amount))
    return [replace(head, lines=tuple(lines.get(return_id, ())))
            for return_id, head in heads.items()]


def history(conn: Connection, *, folio_ending: str | None = None,
            folio_containing: str | None = None, limit: int = 200) -> list[HistoryRow]:
    """The latest sales, newest first, optionally only folios ending or containing a text."""
    sold = (select(sale_lines.c.sale_id, func.sum(sale_lines.c.qty_milli).label("qty"))
            .group_by(sale_lines.c.sale_id).subquery())
    back = (select(sale_returns.c.sale_id, func.sum(sale_return_lines.c.qty_milli).label("qty"),
                   func.sum(sale_return_lines.c.amount).label("amount"))
            .join(sale_return_lines, sale_return_lines.c.return_id == sale_returns.c.id)
            .group_by(sale_returns.c.sale_id).subquery())
    query = (select(sales.c.id, sales.c.folio, sales.c.sold_at, sales.c.total, cashiers.c.name,
                    sold.c.qty.label("sold"), back.c.qty.label("back"), back.c.amount)
             .outerjoin(cashiers, cashiers.c.id == sales.c.cashier_id)
             .outerjoin(sold, sold.c.sale_id == sales.c.id)
             .outerjoin(back, back.c.sale_id == sales.c.id)
             .order_by(sales.c.sold_at.desc()).limit(limit))
    if folio_ending:
        query = query.where(sales.c.folio.endswith(folio_ending, autoescape=True))
    if folio_containing:
        query = query.where(sales.c.folio.contains(folio_containing, autoescape=True))
    return [HistoryRow(uuid.UUID(r.id), r.folio, r.sold_at, r.total, r.name, int(r.amount or 0),
                       "" if not r.back else "cancelada" if r.back >= (r.sold or 0) else "devuelta")
            for r in conn.execute(query)]
