"""Reads for the reports: sale lines, payments and returned lines in a time window, and products.

No device filter anywhere: the local store holds every device's synced facts, and a report
covers the whole shop.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, func, select

from pos_client.store.schema import (
    products,
    sale_lines,
    sale_payments,
    sale_return_lines,
    sale_returns,
    sales,
)


@dataclass(frozen=True, slots=True)
class LineRow:
    sale_id: str
    sold_at: str
    product_id: str | None
    name: str
    qty_milli: int
    total: int
    iva: str
    ieps_bp: int
    cost: int | None  # unit cost when sold; None on lines from before costs were recorded


@dataclass(frozen=True, slots=True)
class PaymentRow:
    sale_id: str
    sold_at: str
    method: str
    amount: int


@dataclass(frozen=True, slots=True)
class ReturnedLineRow:
    return_id: str
    sale_id: str
    returned_at: str
    refund_method: str
    product_id: str | None
    name: str | None  # None when the sale itself is not on this device (yet)
    qty_milli: int
    amount: int
    iva: str | None
    ieps_bp: int | None
    cost: int | None  # the sale line's unit cost when sold, if recorded (and the sale is here)
    return_amount: int  # the whole return's amount and the part of it credited to an account
    refund_to_account: int


@dataclass(frozen=True, slots=True)
class ProductRow:
    name: str
    department: str | None
    cost: int
    iva: str
    ieps_bp: int




def lines_between(conn: Connection, lo: str, hi: str) -> list[LineRow]:
    """Lines of sales whose stored ``sold_at`` string is in [lo, hi) (callers widen the window
    and filter exactly, since another device may have written another UTC offset)."""
    rows = conn.execute(
        select(sales.c.id, sales.c.sold_at, sale_lines.c.product_id, sale_lines.c.name,
               sale_lines.c.qty_milli, sale_lines.c.total, sale_lines.c.iva, sale_lines.c.ieps_bp,
               sale_lines.c.cost)
        .join(sale_lines, sale_lines.c.sale_id == sales.c.id)
        .where(sales.c.sold_at >= lo, sales.c.sold_at < hi)
    )
    return [LineRow(*r) for r in rows]


def payments_between(conn: Connection, lo: str, hi: str) -> list[PaymentRow]:
    rows = conn.execute(
        select(sales.c.id, sales.c.sold_at, sale_payments.c.method, sale_payments.c.amount)
        .join(sale_payments, sale_payments.c.sale_id == sales.c.id)
        .where(sales.c.sold_at >= lo, sales.c.sold_at < hi)
    )
    return [PaymentRow(*r) for r in rows]


def returned_lines_between(conn: Connection, lo: str, hi: str) -> list[ReturnedLineRow]:
    """Returned lines with the tax data and cost of the sale line they take back, and their
    return's refund split."""
    rows = conn.execute(
        select(sale_returns.c.id, sale_returns.c.sale_id, sale_returns.c.returned_at,
               sale_returns.c.refund_method, sale_return_lines.c.product_id, sale_lines.c.name,
               sale_return_lines.c.qty_milli, sale_return_lines.c.amount, sale_lines.c.iva,
               sale_lines.c.ieps_bp, sale_lines.c.cost, sale_returns.c.amount,
               func.coalesce(sale_returns.c.refund_to_account, 0))
        .join(sale_return_lines, sale_return_lines.c.return_id == sale_returns.c.id)
        .outerjoin(sale_lines, and_(sale_lines.c.sale_id == sale_returns.c.sale_id,
                                    sale_lines.c.line_no == sale_return_lines.c.line_no))
        .where(sale_returns.c.returned_at >= lo, sale_returns.c.returned_at < hi)
    )
    return [ReturnedLineRow(*tuple(r)) for r in rows]


def all_products(conn: Connection) -> dict[str, ProductRow]:
    """Every product, deleted ones too: past sales still name them and use their cost."""
    rows = conn.execute(select(products.c.id, products.c.name, products.c.department,
                               products.c.cost, products.c.iva, products.c.ieps_bp))
    return {r.id: ProductRow(r.name, r.department, r.cost, r.iva, r.ieps_bp) for r in rows}
