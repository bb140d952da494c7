"""From a few local days' facts to the tallies every report is added up from.

SQL adds the facts up (``store/repositories/report_facts.py``); what is left here are the
rules a sum cannot carry: each line's tax split and cost rounding (applied once per group of
alike lines), where a refund's money went, the department and name a product is shown under,
and the cost a line falls back to when it recorded none. A summarized day holds exactly these
tallies, so a report reads the same whether its days come from summaries or from facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from pos_client.store.database import Tx
from pos_client.store.repositories import report_facts
from pos_client.store.repositories.report_facts import DaySpan
from pos_client.store.repositories.report_summaries import ProductTally, Tallies, Tally, TaxTally
from shared.quantity import value_of
from shared.returns import refund_parts
from shared.tax import IvaRate, TaxSplit, split_included

NO_DEPARTMENT = "Sin departamento"
RETURNED_ITEM = "Artículo"  # a returned line whose sale and product this device does not know
_ZERO = TaxSplit(total=0, base=0, ieps=0, iva=0)


def department_label(known: int, department: str | None) -> str:
    """The department a product's sales are shown under: its current one; común lines, products
    not in the catalog and blank departments go to "Sin departamento"."""
    return (department or "").strip() or NO_DEPARTMENT if known else NO_DEPARTMENT


def unit_cost(recorded: int | None, known: bool, catalog_cost: int | None) -> int | None:
    """The line's recorded unit cost, else the product's current one; None when neither is known."""
    if recorded:
        return recorded
    return catalog_cost if known and catalog_cost and catalog_cost > 0 else None


@lru_cache(maxsize=8192)
def _split(total: int, iva: str, ieps_bp: int) -> TaxSplit:
    # Many lines share an amount (a refresco is a refresco): split each amount once.
    return split_included(total, IvaRate(iva), ieps_bp)


def _times(split: TaxSplit, n: int) -> TaxSplit:
    return TaxSplit(total=split.total * n, base=split.base * n, ieps=split.ieps * n, iva=split.iva * n)


def _plus(a: TaxSplit, b: TaxSplit) -> TaxSplit:
    return TaxSplit(total=a.total + b.total, base=a.base + b.base, ieps=a.ieps + b.ieps, iva=a.iva + b.iva)


@dataclass
class _Product:
    known: bool
    department: str
    qty_milli: int = 0
    amount: int = 0
    cost: int = 0
    catalog_lines: int = 0


class _Adder:
    """Tallies being added up, per day (or per span: ``day`` None)."""

    def __init__(self, per_day: bool) -> None:
        self.per_day = per_day
        self.keyed: dict[tuple[date | None, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        self.products: dict[tuple[date | None, str, str, bool], _Product] = {}
        self.sold: dict[tuple[date | None, str], TaxSplit] = defaultdict(lambda: _ZERO)
        self.back: dict[tuple[date | None, str], TaxSplit] = defaultdict(lambda: _ZERO)

    def day(self, day: date | None) -> date | None:
        return day if self.per_day else None

    def tally(self, day: date | None, kind: str, key: str, tickets: int = 0, gross: int = 0,
              returns: int = 0) -> None:
        # Day totals stay per day whatever else is summed over the span: they are the by-day report.
        entry = self.keyed[(day if kind == "day" else self.day(day), kind, key)]
        entry[0] += tickets
        entry[1] += gross
        entry[2] += returns

    def product(self, day: date | None, product_id: str, known: bool, name: str,
                department: str | None, unit: int | None, line_qty: int, lines: int, amount: int,
                from_catalog: int) -> None:
        """``lines`` alike lines of ``line_qty`` each, ``amount`` in all (negative: returned)."""
        key = (self.day(day), product_id, name, unit is not None)
        entry = self.products.setdefault(key, _Product(known, department_label(known, department)))
        entry.qty_milli += line_qty * lines
        entry.amount += amount
        entry.cost += lines * value_of(line_qty, unit) if unit is not None else 0  # per line
        entry.catalog_lines += from_catalog

    def result(self) -> Tallies:
        return Tallies(
            [Tally(day, kind, key, *values) for (day, kind, key), values in self.keyed.items()],
            [ProductTally(day, pid, name, costed, p.known, p.department, p.qty_milli, p.amount,
                          p.cost, p.catalog_lines)
             for (day, pid, name, costed), p in self.products.items()],
            [TaxTally(day, rate, self.sold.get((day, rate), _ZERO), self.back.get((day, rate), _ZERO))
             for day, rate in {**self.sold, **self.back}],
        )


def from_facts(tx: Tx, spans: Sequence[DaySpan], per_day: bool) -> Tallies:
    """The tallies of these days' sales and returns, per day or summed over them all."""
    add = _Adder(per_day)
    for h in report_facts.sold_by_hour(tx, spans):
        add.tally(h.day, "day", "", h.tickets, h.gross)
        add.tally(h.day, "hour", f"{h.hour:02d}", h.tickets, h.gross)
    for d in report_facts.sold_by_department(tx, spans, department_label):
        add.tally(d.day, "department", d.key, d.tickets, d.gross)
    for p in report_facts.paid_by_method(tx, spans):
        add.tally(p.day, "payment", p.key, p.tickets, p.gross)
    for s in report_facts.sold_lines(tx, spans, per_day):
        unit = unit_cost(s.line_cost, s.known, s.catalog_cost)
        add.product(s.day, s.product_id, s.known, s.name, s.department, unit, s.qty_milli, s.lines,
                    s.total * s.lines, 0 if s.line_cost else s.lines)
        key = (add.day(s.day), s.iva)
        add.sold[key] = _plus(add.sold[key], _times(_split(s.total, s.iva, s.ieps_bp), s.lines))
    _add_returns(add, report_facts.returned_lines(tx, spans))
    return add.result()


def _add_returns(add: _Adder, lines: list[report_facts.ReturnedLineRow]) -> None:
    """Returns count on the day and hour they happened; their money by where it went, once per
    return; a line whose sale is not here yet takes the product's current taxes and cost."""
    refunded: set[str] = set()
    for r in lines:
        add.tally(r.day, "day", "", returns=r.amount)
        add.tally(r.day, "hour", f"{r.hour:02d}", returns=r.amount)
        add.tally(r.day, "department", department_label(r.known, r.department), returns=r.amount)
        if r.return_id not in refunded:
            refunded.add(r.return_id)
            for method, part in refund_parts(r.refund_method, r.return_amount,
                                             r.refund_to_account, r.refund_card,
                                             r.refund_transfer).items():
                add.tally(r.day, "payment", method, returns=part)
        name = r.catalog_name if r.known and r.catalog_name is not None else (r.sale_name or RETURNED_ITEM)
        unit = unit_cost(r.sale_cost, r.known, r.catalog_cost)
        from_catalog = int(not r.sale_cost or r.sale_iva is None)
        add.product(r.day, r.product_id, r.known, name, r.department, unit, -r.qty_milli, 1,
                    -r.amount, from_catalog)
        iva = r.sale_iva or (r.catalog_iva if r.known and r.catalog_iva else IvaRate.GENERAL.value)
        ieps = r.sale_ieps_bp if r.sale_ieps_bp is not None else (
            r.catalog_ieps_bp if r.known and r.catalog_ieps_bp is not None else 0)
        key = (add.day(r.day), iva)
        add.back[key] = _plus(add.back[key], _split(r.amount, iva, ieps))
