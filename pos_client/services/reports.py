"""Sales reports over a period of local days: by day, hour, department and payment form; top
products; gross margin; the IVA summary for the accountant; CSV export.

A period is ``[start, end)`` in local dates of the shop's time zone (settings, default
America/Mexico_City): a sale at 23:30 on the 5th in Mexico City is the 6th in UTC and still
belongs to the 5th. Every report reads the local store, which holds the facts of every device
that has synced with this one, and never filters by device: they cover the whole shop.

Returns count on the day (and hour) they happened, not on the day of the sale they take back:
a day's figures then match what the drawer held that day and never change after the day is
closed, as a corte does. A return of a sale from before the period lowers this period's net.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from pos_client.services import accounts
from pos_client.services.accounts import AGING_BUCKETS, AgingReport
from pos_client.services.report_table import Kind, Table, write_csv
from pos_client.store.database import Database
from pos_client.store.repositories import report_facts
from pos_client.store.repositories.shop import shop_zone
from shared.money import Centavos, div_round_half_up
from shared.quantity import QTY_SCALE, value_of
from shared.returns import refund_parts
from shared.sale import PaymentMethod
from shared.tax import IvaRate, TaxSplit, split_included, summarize

NO_DEPARTMENT = "Sin departamento"
_WIDEN = timedelta(days=1)  # more than any UTC offset: see _window
K = TypeVar("K", date, int, str)
_WEEKDAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")
PAYMENT_LABELS = {PaymentMethod.CASH.value: "Efectivo", PaymentMethod.CARD.value: "Tarjeta",
                  PaymentMethod.TRANSFER.value: "Transferencia", PaymentMethod.FIADO.value: "Fiado"}


# ---- period ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``start`` up to, not including, ``end``, in the shop's time zone."""

    start: date
    end: date
    tz: ZoneInfo

    def bounds(self) -> tuple[datetime, datetime]:
        """The period's UTC instants: local midnight of ``start`` and of ``end``."""
        return (datetime.combine(self.start, time(), self.tz).astimezone(UTC),
                datetime.combine(self.end, time(), self.tz).astimezone(UTC))

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


class Preset(StrEnum):
    TODAY = "Hoy"
    YESTERDAY = "Ayer"
    WEEK = "Esta semana"
    MONTH = "Este mes"
    CUSTOM = "Personalizado"


def period_for(preset: Preset, today: date, tz: ZoneInfo,
               first: date | None = None, last: date | None = None) -> Period:
    """The period a preset names, seen from ``today``; weeks start on Monday. ``CUSTOM`` takes
    the first and last day the owner picked, both included (swapped if given backwards)."""
    if preset is Preset.CUSTOM:
        if first is None or last is None:
            raise ValueError("a custom period needs both days")
        first, last = min(first, last), max(first, last)
        return Period(first, last + timedelta(days=1), tz)
    starts = {Preset.TODAY: today, Preset.YESTERDAY: today - timedelta(days=1),
              Preset.WEEK: today - timedelta(days=today.weekday()), Preset.MONTH: today.replace(day=1)}
    end = today if preset is Preset.YESTERDAY else today + timedelta(days=1)
    return Period(starts[preset], end, tz)




# ---- facts of a period -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sold:
    sale_id: str
    at: datetime  # local
    product_id: str | None
    name: str
    qty_milli: int
    total: Centavos
    iva: IvaRate
    ieps_bp: int
    cost: Centavos | None = None  # unit cost when sold, if the line recorded one


@dataclass(frozen=True, slots=True)
class Paid:
    sale_id: str
    at: datetime
    method: str
    amount: Centavos


@dataclass(frozen=True, slots=True)
class Returned:
    return_id: str
    at: datetime
    refund_method: str
    product_id: str | None
    name: str
    qty_milli: int
    amount: Centavos
    iva: IvaRate
    ieps_bp: int
    cost: Centavos | None = None  # the sale line's unit cost when sold, if recorded
    return_amount: Centavos = 0  # the whole return's amount, and the part credited to an account
    refund_to_account: Centavos = 0


@dataclass(frozen=True, slots=True)
class Activity:
    """Everything sold, paid and returned in a period, times in local time, plus the catalog."""

    period: Period
    lines: list[Sold]
    payments: list[Paid]
    returns: list[Returned]
    products: dict[str, report_facts.ProductRow]

    def department(self, product_id: str | None) -> str:
        product = self.products.get(product_id) if product_id else None
        return (product.department or "").strip() or NO_DEPARTMENT if product else NO_DEPARTMENT


def _window(period: Period) -> tuple[datetime, datetime, str, str]:
    # Stored times are ISO strings; ours are UTC but a synced one may carry another offset, so
    # the SQL range is widened by a day (still on the index) and each row is checked exactly.
    lo, hi = period.bounds()
    return lo, hi, (lo - _WIDEN).isoformat(), (hi + _WIDEN).isoformat()


def load_activity(conn: Connection, period: Period) -> Activity:
    lo, hi, wide_lo, wide_hi = _window(period)

    def local(stamp: str) -> datetime | None:
        at = datetime.fromisoformat(stamp)
        return at.astimezone(period.tz) if lo <= at < hi else None

    catalog = report_facts.all_products(conn)
    lines = [Sold(r.sale_id, at, r.product_id, r.name, r.qty_milli, r.total, IvaRate(r.iva), r.ieps_bp,
                  r.cost)
             for r in report_facts.lines_between(conn, wide_lo, wide_hi)
             if (at := local(r.sold_at)) is not None]
    payments = [Paid(r.sale_id, at, r.method, r.amount)
                for r in report_facts.payments_between(conn, wide_lo, wide_hi)
                if (at := local(r.sold_at)) is not None]
    returns = [_returned(r, at, catalog)
               for r in report_facts.returned_lines_between(conn, wide_lo, wide_hi)
               if (at := local(r.returned_at)) is not None]
    return Activity(period, lines, payments, returns, catalog)


def _returned(r: report_facts.ReturnedLineRow, at: datetime,
              catalog: dict[str, report_facts.ProductRow]) -> Returned:
    # A return whose sale has not reached this device yet is split with the product's
    # current tax data (or as general IVA for a line with no product): the best guess there is.
    product = catalog.get(r.product_id) if r.product_id else None
    iva = r.iva or (product.iva if product else IvaRate.GENERAL.value)
    ieps = r.ieps_bp if r.ieps_bp is not None else (product.ieps_bp if product else 0)
    name = r.name or (product.name if product else "Artículo")
    return Returned(r.return_id, at, r.refund_method, r.product_id, name, r.qty_milli, r.amount,
                    IvaRate(iva), ieps, r.cost, r.return_amount, r.refund_to_account)


def load(db: Database, period: Period) -> Activity:
    """Read a period's activity in one read transaction, so every report sees the same facts."""
    with db.read() as conn, conn.begin():
        return load_activity(conn, period)


# ---- sales breakdowns --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BreakdownRow:
    key: str | int | date  # the day, the hour (0–23), the department or the payment method
    label: str
    tickets: int
    gross: Centavos
    returns: Centavos

    @property
    def net(self) -> Centavos:
        return self.gross - self.returns


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Sales split one way. ``tickets`` in the total is the period's distinct sales: one ticket
    can touch several departments or payment forms, so the rows' counts may add up to more."""

    title: str
    key_title: str
    rows: list[BreakdownRow]
    tickets: int

    @property
    def gross(self) -> Centavos:
        return sum(r.gross for r in self.rows)

    @property
    def returns(self) -> Centavos:
        return sum(r.returns for r in self.rows)

    @property
    def net(self) -> Centavos:
        return self.gross - self.returns

    def table(self) -> Table:
        key_kind = Kind.DATE if self.rows and isinstance(self.rows[0].key, date) else Kind.TEXT
        return Table(
            self.title,
            ((self.key_title, key_kind), ("Tickets", Kind.COUNT), ("Ventas", Kind.MONEY),
             ("Devoluciones", Kind.MONEY), ("Neto", Kind.MONEY)),
            [(r.key if key_kind is Kind.DATE else r.label, r.tickets, r.gross, r.returns, r.net)
             for r in self.rows],
            ("Total", self.tickets, self.gross, self.returns, self.net),
        )


def _breakdown(title: str, key_title: str, activity: Activity,
               sold: Iterable[tuple[K, str, Centavos]], returned: Iterable[tuple[K, Centavos]],
               label: Callable[[K], str], biggest_first: bool = False) -> Breakdown:
    """Add up (key, sale, amount) sold and (key, amount) returned into rows, in key order or
    (for departments and payment forms) biggest net first."""
    tickets: dict[K, set[str]] = defaultdict(set)
    gross: dict[K, int] = defaultdict(int)
    back: dict[K, int] = defaultdict(int)
    for key, sale_id, amount in sold:
        tickets[key].add(sale_id)
        gross[key] += amount
    for key, amount in returned:
        back[key] += amount
    rows = [BreakdownRow(k, label(k), len(tickets[k]), gross[k], back[k])
            for k in sorted(set(gross) | set(back))]
    if biggest_first:
        rows.sort(key=lambda r: -r.net)  # stable: ties stay in key order
    return Breakdown(title, key_title, rows, len({ln.sale_id for ln in activity.lines}))


def day_label(day: date) -> str:
    """"jue 05/11/2026": a day as the owner reads it."""
    return f"{_WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


def sales_by_day(activity: Activity) -> Breakdown:
    return _breakdown("Ventas por día", "Día", activity,
                      ((ln.at.date(), ln.sale_id, ln.total) for ln in activity.lines),
                      ((r.at.date(), r.amount) for r in activity.returns), day_label)


def sales_by_hour(activity: Activity) -> Breakdown:
    """Hours 0–23 of the shop's local clock; only hours with activity are listed."""
    return _breakdown("Ventas por hora", "Hora", activity,
                      ((ln.at.hour, ln.sale_id, ln.total) for ln in activity.lines),
                      ((r.at.hour, r.amount) for r in activity.returns),
                      lambda h: f"{h:02d}:00")


def sales_by_department(activity: Activity) -> Breakdown:
    """By the product's current department: a product moved last week counts in its new one.
    Lines with no product (común) or no department go to "Sin departamento"."""
    dept = activity.department
    return _breakdown("Ventas por departamento", "Departamento", activity,
                      ((dept(ln.product_id), ln.sale_id, ln.total) for ln in activity.lines),
                      ((dept(r.product_id), r.amount) for r in activity.returns), str,
                      biggest_first=True)


def sales_by_payment(activity: Activity) -> Breakdown:
    """Amounts applied per payment form (cash net of change); returns by where the money went:
    the part credited back to a fiado account under fiado, the rest (cash from the drawer)
    under efectivo, so a mixed refund is split exactly."""
    refunds = {r.return_id: r for r in activity.returns}.values()  # one per return, not per line
    return _breakdown("Ventas por forma de pago", "Forma de pago", activity,
                      ((p.method, p.sale_id, p.amount) for p in activity.payments),
                      ((method, part) for r in refunds
                       for method, part in refund_parts(r.refund_method, r.return_amount,
                                                        r.refund_to_account).items()),
                      lambda m: PAYMENT_LABELS.get(m, m), biggest_first=True)


# ---- products: top sellers and gross margin ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductSales:
    """One product's period, net of its returns. Lines with no product (común) group by name."""

    product_id: str | None
    name: str
    department: str
    qty_milli: int
    amount: Centavos


def product_sales(activity: Activity) -> list[ProductSales]:
    qty: dict[tuple[str | None, str], int] = defaultdict(int)
    amount: dict[tuple[str | None, str], int] = defaultdict(int)
    for ln in activity.lines:
        key = _product_key(activity, ln.product_id, ln.name)
        qty[key] += ln.qty_milli
        amount[key] += ln.total
    for r in activity.returns:
        key = _product_key(activity, r.product_id, r.name)
        qty[key] -= r.qty_milli
        amount[key] -= r.amount
    return [ProductSales(pid, name, activity.department(pid), qty[(pid, name)], amount[(pid, name)])
            for pid, name in qty]


def _product_key(activity: Activity, product_id: str | None, name: str) -> tuple[str | None, str]:
    # The catalog's current name, so a renamed product is one row; común lines keep theirs.
    product = activity.products.get(product_id) if product_id else None
    return (product_id, product.name) if product else (None, name)


@dataclass(frozen=True, slots=True)
class TopProducts:
    by: Literal["amount", "qty"]
    rows: list[ProductSales]

    def table(self) -> Table:
        what = "importe" if self.by == "amount" else "cantidad"
        return Table(
            f"Productos más vendidos por {what}",
            (("#", Kind.COUNT), ("Producto", Kind.TEXT), ("Departamento", Kind.TEXT),
             ("Cantidad", Kind.QTY), ("Importe", Kind.MONEY)),
            [(i, p.name, p.department, p.qty_milli, p.amount) for i, p in enumerate(self.rows, 1)],
        )


def top_products(activity: Activity, n: int = 20, by: Literal["amount", "qty"] = "amount") -> TopProducts:
    """The ``n`` best sellers by net amount or net quantity (ties by name)."""
    def rank(p: ProductSales) -> tuple[int, str]:
        return (-(p.amount if by == "amount" else p.qty_milli), p.name)

    return TopProducts(by, sorted(product_sales(activity), key=rank)[:n])


@dataclass(frozen=True, slots=True)
class MarginRow:
    name: str
    qty_milli: int
    net: Centavos
    cost: Centavos | None  # None: "sin costo", left out of the margin

    @property
    def unit_cost(self) -> Centavos | None:
        """The average cost per unit (or kg) of what was sold net of returns."""
        if self.cost is None:
            return None
        return div_round_half_up(self.cost * QTY_SCALE, self.qty_milli) if self.qty_milli > 0 else None

    @property
    def margin(self) -> Centavos | None:
        return None if self.cost is None else self.net - self.cost


@dataclass(frozen=True, slots=True)
class GrossMargin:
    """Net sales minus cost, per product.

    Each sale line carries the product's unit cost when it was sold, so a later cost change
    does not move past margins; a returned quantity takes back its cost at that same line cost.
    Lines from before costs were recorded (and returns of sales not on this device) fall back
    to the product's *current* cost. Lines with no cost either way (cost 0, común lines) are
    listed as "sin costo" and kept out of the margin and its percentage, which would otherwise
    look better than it is; a product with both kinds of lines shows on two rows.
    """

    rows: list[MarginRow]

    @property
    def net_sales(self) -> Centavos:
        return sum(r.net for r in self.rows)

    @property
    def costed_sales(self) -> Centavos:
        return sum(r.net for r in self.rows if r.cost is not None)

    @property
    def uncosted_sales(self) -> Centavos:
        return self.net_sales - self.costed_sales

    @property
    def cost(self) -> Centavos:
        return sum(r.cost or 0 for r in self.rows)

    @property
    def margin(self) -> Centavos:
        return self.costed_sales - self.cost

    @property
    def margin_bp(self) -> int | None:
        """Margin over costed sales, in basis points (2534 is 25.34 %); None with no such sales."""
        return _share_bp(self.margin, self.costed_sales)

    def table(self) -> Table:
        return Table(
            "Margen bruto",
            (("Producto", Kind.TEXT), ("Cantidad", Kind.QTY), ("Ventas netas", Kind.MONEY),
             ("Costo unitario", Kind.MONEY), ("Costo", Kind.MONEY), ("Margen", Kind.MONEY),
             ("Margen %", Kind.PERCENT)),
            [(r.name, r.qty_milli, r.net, r.unit_cost if r.cost is not None else "sin costo",
              r.cost, r.margin, _share_bp(r.margin, r.net) if r.margin is not None else None)
             for r in self.rows],
            ("Total con costo", None, self.costed_sales, None, self.cost, self.margin, self.margin_bp),
        )


def _share_bp(part: int, whole: int) -> int | None:
    return div_round_half_up(part * 10_000, whole) if whole > 0 else None


def _unit_cost(activity: Activity, recorded: Centavos | None, product_id: str | None) -> Centavos | None:
    """The line's recorded cost, else the product's current one; None when neither is known."""
    if recorded:
        return recorded
    product = activity.products.get(product_id) if product_id else None
    return product.cost if product and product.cost > 0 else None


def gross_margin(activity: Activity) -> GrossMargin:
    qty: dict[tuple[str | None, str, bool], int] = defaultdict(int)
    net: dict[tuple[str | None, str, bool], int] = defaultdict(int)
    cost: dict[tuple[str | None, str, bool], int] = defaultdict(int)
    facts = [(ln.product_id, ln.name, ln.qty_milli, ln.total, ln.cost) for ln in activity.lines]
    facts += [(r.product_id, r.name, -r.qty_milli, -r.amount, r.cost) for r in activity.returns]
    for product_id, name, q, amount, recorded in facts:
        unit = _unit_cost(activity, recorded, product_id)
        pid, label = _product_key(activity, product_id, name)
        key = (pid, label, unit is not None)
        qty[key] += q
        net[key] += amount
        if unit is not None:
            cost[key] += value_of(q, unit)
    rows = [MarginRow(name, qty[(pid, name, costed)], net[(pid, name, costed)],
                      cost[(pid, name, costed)] if costed else None)
            for pid, name, costed in qty]
    # Costed products by margin, biggest first; then the ones without a cost, by sales.
    rows.sort(key=lambda r: (r.cost is None, -(r.margin if r.margin is not None else r.net), r.name))
    return GrossMargin(rows)


# ---- IVA for the accountant ---------------------------------------------------------------------


_ZERO = TaxSplit(total=0, base=0, ieps=0, iva=0)


@dataclass(frozen=True, slots=True)
class IvaRow:
    rate: IvaRate
    sold: TaxSplit
    returned: TaxSplit

    @property
    def net(self) -> TaxSplit:
        s, r = self.sold, self.returned
        return TaxSplit(total=s.total - r.total, base=s.base - r.base, ieps=s.ieps - r.ieps,
                        iva=s.iva - r.iva)


@dataclass(frozen=True, slots=True)
class IvaSummary:
    """Per IVA rate: sales, returns, and the net split into base, IEPS and IVA.

    Each sale line is split exactly as its ticket splits it (``split_included`` on the line's
    total, then added per rate), and each returned line the same way with its own amount, so
    these figures match the tickets to the centavo. ``base + ieps + iva == total`` on every row;
    the exento row's base is the exento amount.
    """

    rows: list[IvaRow]

    def net(self, rate: IvaRate) -> TaxSplit:
        return next((r.net for r in self.rows if r.rate is rate), _ZERO)

    @property
    def total(self) -> Centavos:
        return sum(r.net.total for r in self.rows)

    @property
    def iva(self) -> Centavos:
        return sum(r.net.iva for r in self.rows)

    @property
    def ieps(self) -> Centavos:
        return sum(r.net.ieps for r in self.rows)

    @property
    def exento(self) -> Centavos:
        return self.net(IvaRate.EXENTO).base

    @property
    def taxed_base(self) -> Centavos:
        """Bases of the 16 %, 8 % and 0 % rates (exento is not a taxed base)."""
        return sum(r.net.base for r in self.rows if r.rate is not IvaRate.EXENTO)

    def table(self) -> Table:
        return Table(
            "Resumen de IVA",
            (("Tasa", Kind.TEXT), ("Ventas", Kind.MONEY), ("Devoluciones", Kind.MONEY),
             ("Neto", Kind.MONEY), ("Base", Kind.MONEY), ("IEPS", Kind.MONEY), ("IVA", Kind.MONEY)),
            [(r.rate.label, r.sold.total, r.returned.total, r.net.total, r.net.base, r.net.ieps,
              r.net.iva) for r in self.rows],
            ("Total", sum(r.sold.total for r in self.rows), sum(r.returned.total for r in self.rows),
             self.total, sum(r.net.base for r in self.rows), self.ieps, self.iva),
        )


def iva_summary(activity: Activity) -> IvaSummary:
    sold = summarize((ln.iva, split_included(ln.total, ln.iva, ln.ieps_bp)) for ln in activity.lines)
    back = summarize((r.iva, split_included(r.amount, r.iva, r.ieps_bp)) for r in activity.returns)
    rates = [rate for rate in IvaRate if rate in sold.by_rate or rate in back.by_rate]
    return IvaSummary([IvaRow(rate, sold.by_rate.get(rate, _ZERO), back.by_rate.get(rate, _ZERO))
                       for rate in rates])


# ---- all of them at once, and CSV ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportSet:
    """Every report of one period, computed from one read of the store."""

    period: Period
    by_day: Breakdown
    by_hour: Breakdown
    by_department: Breakdown
    by_payment: Breakdown
    top: TopProducts
    margin: GrossMargin
    iva: IvaSummary
    # Fiado owed as of today, whatever the period (a balance has no period): set by run().
    aging: AgingReport | None = None


def build(activity: Activity, top_n: int = 20) -> ReportSet:
    return ReportSet(activity.period, sales_by_day(activity), sales_by_hour(activity),
                     sales_by_department(activity), sales_by_payment(activity),
                     top_products(activity, top_n), gross_margin(activity), iva_summary(activity))


def run(db: Database, preset: Preset, first: date | None = None, last: date | None = None,
        today: date | None = None) -> ReportSet:
    """The reports for a preset period, "today" being the shop's local date unless given."""
    with db.read() as conn, conn.begin():
        tz = shop_zone(conn)
        today = today or datetime.now(tz).date()
        period = period_for(preset, today, tz, first, last)
        return replace(build(load_activity(conn, period)), aging=accounts.aging_report(conn, today))


def aging_table(report: AgingReport | None) -> Table:
    """Who owes fiado and how old the unpaid part is (oldest debt first), as a report table."""
    accounts_ = report.accounts if report else ()
    totals = report.totals if report else (0, 0, 0, 0)
    return Table(
        "Fiados por antigüedad",
        (("Cliente", Kind.TEXT), ("Saldo", Kind.MONEY), ("Límite", Kind.MONEY),
         ("Días", Kind.COUNT), *((bucket, Kind.MONEY) for bucket in AGING_BUCKETS)),
        [(a.name, a.balance, a.credit_limit, a.age_days, *a.buckets) for a in accounts_],
        ("Total", sum(totals), None, None, *totals),
    )


def to_csv(report: Breakdown | TopProducts | GrossMargin | IvaSummary, path: Path) -> None:
    """Write a report as CSV (see :func:`report_table.write_csv`)."""
    write_csv(report.table(), path)
