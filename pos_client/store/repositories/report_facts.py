"""Reads for the reports straight from the facts: sales, payments and returns of given local days,
added up by SQL over the indexed UTC instants (``sold_ts``, ``returned_ts``).

Days come as :class:`DaySpan`s (the service knows the shop's zone; SQL does not). Sums are
grouped as finely as a rule applied afterwards needs (a line's tax split or cost rounding
depends on its own amount and quantity), so callers get a few rows per product or amount,
never one per line. Returned lines are the exception: they are few, and each one's refund,
name and taxes may come from the catalog when its sale is not on this device.

No device filter anywhere: the local store holds every device's synced facts, and a report
covers the whole shop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pos_client.store.database import Tx, driver

DepartmentOf = Callable[[int, str | None], str]  # (product known?, its department) → label


@dataclass(frozen=True, slots=True)
class DaySpan:
    """UTC epoch seconds ``[lo, hi)`` of one local day, over which the zone is ``offset``
    seconds ahead of UTC (a day the clocks change comes in two spans)."""

    day: date
    lo: int
    hi: int
    offset: int


# A CTE of the spans handed over as one JSON parameter (a year is 365 of them), then the
# facts by their indexed instant: CROSS JOIN keeps the spans as the outer loop.
_SPANS = """WITH span (day, lo, hi, off) AS (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
           json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?))
"""
_SALES = _SPANS + "SELECT {cols} FROM span sp CROSS JOIN sales s {joins} " \
                  "WHERE s.sold_ts >= sp.lo AND s.sold_ts < sp.hi GROUP BY {group}"


def _spans(spans: Sequence[DaySpan]) -> str:
    return json.dumps([[s.day.isoformat(), s.lo, s.hi, s.offset] for s in spans])


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _rows(conn: Tx, sql: str, spans: Sequence[DaySpan]) -> Iterator[Any]:
    if spans:
        yield from driver(conn).execute(sql, (_spans(spans),))


@dataclass(frozen=True, slots=True)
class HourRow:
    day: date
    hour: int
    tickets: int
    gross: int


def sold_by_hour(conn: Tx, spans: Sequence[DaySpan]) -> list[HourRow]:
    """Tickets and their totals per local day and hour (a sale's total is the sum of its lines:
    the wire refuses one that is not)."""
    sql = _SALES.format(cols="sp.day, ((s.sold_ts + sp.off) % 86400) / 3600 AS hour, count(*), "
                             "sum(s.total)", joins="", group="sp.day, hour")
    return [HourRow(date.fromisoformat(d), h, n, t) for d, h, n, t in _rows(conn, sql, spans)]


@dataclass(frozen=True, slots=True)
class KeyRow:
    day: date
    key: str
    tickets: int
    gross: int


def sold_by_department(conn: Tx, spans: Sequence[DaySpan], label: DepartmentOf) -> list[KeyRow]:
    """Per day and department label (``label`` names it from the product's current department;
    tickets are counted per label, so two departments both shown as one count a ticket once)."""
    raw = driver(conn).connection
    raw.create_function("mch_department", 2, label, deterministic=True)
    sql = _SALES.format(
        cols="sp.day, mch_department(p.id IS NOT NULL, p.department) AS dept, "
             "count(DISTINCT s.id), sum(l.total)",
        joins="JOIN sale_lines l ON l.sale_id = s.id LEFT JOIN products p ON p.id = l.product_id",
        group="sp.day, dept")
    return [KeyRow(date.fromisoformat(d), k, n, t) for d, k, n, t in _rows(conn, sql, spans)]


def paid_by_method(conn: Tx, spans: Sequence[DaySpan]) -> list[KeyRow]:
    """Per day and payment method: tickets and the amounts applied (cash net of change)."""
    sql = _SALES.format(cols="sp.day, pay.method, count(DISTINCT s.id), sum(pay.amount)",
                        joins="JOIN sale_payments pay ON pay.sale_id = s.id",
                        group="sp.day, pay.method")
    return [KeyRow(date.fromisoformat(d), k, n, t) for d, k, n, t in _rows(conn, sql, spans)]


@dataclass(frozen=True, slots=True)
class SoldLinesRow:
    """Lines alike in product, shown name, recorded unit cost, quantity, taxes and total, on one
    day (None: the whole span). ``known``: the product is in the catalog, whose name,
    department and cost (``catalog_cost``) are today's."""

    day: date | None
    product_id: str  # '' for común lines
    known: bool
    name: str
    department: str | None
    catalog_cost: int | None
    line_cost: int | None
    qty_milli: int
    iva: str
    ieps_bp: int
    total: int  # each line's
    lines: int


def sold_lines(conn: Tx, spans: Sequence[DaySpan], per_day: bool) -> list[SoldLinesRow]:
    day = "sp.day" if per_day else "NULL"
    sql = _SALES.format(
        cols=f"{day} AS d, coalesce(l.product_id, ''), p.id IS NOT NULL, "
             "CASE WHEN p.id IS NULL THEN l.name ELSE p.name END AS shown, p.department, p.cost, "
             "l.cost, l.qty_milli, l.iva, l.ieps_bp, l.total, count(*)",
        joins="JOIN sale_lines l ON l.sale_id = s.id LEFT JOIN products p ON p.id = l.product_id",
        group="d, l.product_id, shown, l.cost, l.qty_milli, l.iva, l.ieps_bp, l.total")
    return [SoldLinesRow(_day(d), pid, bool(known), name, dept, cost, line_cost, qty, iva, ieps, total, n)
            for d, pid, known, name, dept, cost, line_cost, qty, iva, ieps, total, n
            in _rows(conn, sql, spans)]


@dataclass(frozen=True, slots=True)
class ReturnedLineRow:
    """A returned line, on the local day and hour of its return, with its return's refund, the
    sale line it takes back (None fields: that sale is not on this device yet) and the
    catalog's current data for its product (None fields: not in the catalog)."""

    day: date
    hour: int
    return_id: str
    refund_method: str
    return_amount: int
    refund_to_account: int
    refund_card: int
    refund_transfer: int
    product_id: str  # '' for común lines
    known: bool
    catalog_name: str | None
    department: str | None
    catalog_cost: int | None
    catalog_iva: str | None
    catalog_ieps_bp: int | None
    sale_name: str | None
    sale_iva: str | None
    sale_ieps_bp: int | None
    sale_cost: int | None
    qty_milli: int
    amount: int


_RETURNED = _SPANS + """
SELECT sp.day, ((r.returned_ts + sp.off) % 86400) / 3600, r.id, r.refund_method, r.amount,
       r.refund_to_account, r.refund_card, r.refund_transfer, coalesce(rl.product_id, ''),
       p.id IS NOT NULL, p.name, p.department,
       p.cost, p.iva, p.ieps_bp, sl.name, sl.iva, sl.ieps_bp, sl.cost, rl.qty_milli, rl.amount
FROM span sp CROSS JOIN sale_returns r
JOIN sale_return_lines rl ON rl.return_id = r.id
LEFT JOIN sale_lines sl ON sl.sale_id = r.sale_id AND sl.line_no = rl.line_no
LEFT JOIN products p ON p.id = rl.product_id
WHERE r.returned_ts >= sp.lo AND r.returned_ts < sp.hi
"""


def returned_lines(conn: Tx, spans: Sequence[DaySpan]) -> list[ReturnedLineRow]:
    return [ReturnedLineRow(date.fromisoformat(day), hour, rid, method, amount, to_account, card,
                            transfer, pid, bool(known), *rest)
            for day, hour, rid, method, amount, to_account, card, transfer, pid, known, *rest
            in _rows(conn, _RETURNED, spans)]
