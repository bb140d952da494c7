"""Sales reports over a period of local days: by day, hour, department and payment form; top
products; gross margin; the IVA summary for the accountant; fiado aging; CSV export.

Every report covers the whole shop: the local store holds the facts of every device that has
synced with this one, and nothing filters by device. Returns count on the day (and hour) they
happened, not on the day of the sale they take back: a day's figures then match what the drawer
held that day, as a corte does. A return of a sale from before the period lowers this period's net.

A period is added up from daily summaries where a day is closed and its summary still holds,
and from the facts for the rest (today, yesterday, and any day something changed since its
summary was built): :func:`summarize` keeps the summaries built, a few days per call.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from pos_client.services.accounts import Account, AgingReport
from pos_client.services.report_model import (
    PAYMENT_LABELS,
    ZERO_SPLIT,
    Breakdown,
    BreakdownRow,
    GrossMargin,
    IvaRow,
    IvaSummary,
    MarginRow,
    ProductSales,
    ReportSet,
    TopProducts,
)
from pos_client.services.report_period import Period, Preset, day_bounds, day_label, period_for, spans
from pos_client.services.report_table import write_csv
from pos_client.services.report_tallies import from_facts
from pos_client.services.till import Till
from pos_client.store.database import Tx
from pos_client.store.repositories import report_aging, report_summaries
from pos_client.store.repositories.report_summaries import SummarizedDay, Tallies, Tally
from pos_client.store.repositories.shop import shop_zone
from shared.tax import IvaRate, TaxSplit

K = TypeVar("K", date, int, str)
# A day is summarized once it is over; a fact of it that arrives later (a till that was
# offline) makes it rebuild (see report_summaries), so the only cost of closing early is that.
CLOSED_AFTER = timedelta(days=1)
DAYS_PER_PASS = 7  # days summarized per call: short enough not to hold up the counter
# Older days are added up from their facts when asked; this also keeps one sale stamped decades
# ago by a till with a flat clock battery from making summaries of every day since.
SUMMARIZED_FOR = timedelta(days=5 * 366)
AGING_LIMITS = (30, 60, 90)  # ages in days where the buckets of accounts.AGING_BUCKETS end


# ---- a period's tallies --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Activity:
    """Everything sold and returned in a period, added up; ``summarized`` days of it came from
    their summaries, the rest from the facts."""

    period: Period
    tallies: Tallies
    summarized: int = 0


def _days_of(instants: Iterable[int], bounds: Mapping[date, tuple[int, int]]) -> set[date]:
    """The days (of those given with their UTC bounds) these instants fall on."""
    order = sorted(bounds.items(), key=lambda kv: kv[1][0])
    starts = [lo for _, (lo, _) in order]
    found = set()
    for ts in instants:
        i = bisect_right(starts, ts) - 1
        if i >= 0 and ts < order[i][1][1]:
            found.add(order[i][0])
    return found


def _trusted(tx: Tx, period: Period) -> list[date]:
    """The period's days whose summaries still hold: built for this zone and these bounds, and
    nothing of theirs changed since (a late fact, a withdrawn one, a product edit)."""
    bounds = {day: day_bounds(day, period.tz) for day in period.days()}
    kept = {s.day for s in report_summaries.summarized(tx, period.start, period.last_day)
            if s.zone == str(period.tz) and (s.lo, s.hi) == bounds[s.day]}
    if not kept:
        return []
    kept -= report_summaries.queued_days(tx)
    changed = report_summaries.changed_instants(tx, bounds[period.start][0], bounds[period.last_day][1])
    return sorted(kept - _days_of(changed, bounds))


def load_activity(tx: Tx, period: Period) -> Activity:
    trusted = _trusted(tx, period)
    summed = report_summaries.read(tx, trusted)
    rest = sorted(set(period.days()) - set(trusted))
    live = from_facts(tx, spans(rest, period.tz), per_day=False)
    return Activity(period, Tallies(summed.tallies + live.tallies, summed.products + live.products,
                                    summed.taxes + live.taxes), len(trusted))


def load(till: Till, period: Period) -> Activity:
    """Read a period's activity in one read transaction, so every report sees the same facts."""
    with till.db.read() as tx, tx.begin():
        return load_activity(tx, period)


# ---- sales breakdowns --------------------------------------------------------------------------


def _breakdown(title: str, key_title: str, activity: Activity, kind: str,
               key: Callable[[Tally], K], label: Callable[[K], str],
               biggest_first: bool = False) -> Breakdown:
    """Add up the tallies of one kind into rows, in key order or (for departments and payment
    forms) biggest net first."""
    sums: dict[K, list[int]] = defaultdict(lambda: [0, 0, 0])
    for t in activity.tallies.tallies:
        if t.kind == kind:
            entry = sums[key(t)]
            entry[0] += t.tickets
            entry[1] += t.gross
            entry[2] += t.returns
    rows = [BreakdownRow(k, label(k), *sums[k]) for k in sorted(sums)]
    if biggest_first:
        rows.sort(key=lambda r: -r.net)  # stable: ties stay in key order
    tickets = sum(t.tickets for t in activity.tallies.tallies if t.kind == "day")
    return Breakdown(title, key_title, rows, tickets)


def _day(t: Tally) -> date:
    assert t.day is not None  # day totals are always per day
    return t.day


def sales_by_day(activity: Activity) -> Breakdown:
    return _breakdown("Ventas por día", "Día", activity, "day", _day, day_label)


def sales_by_hour(activity: Activity) -> Breakdown:
    """Hours 0–23 of the shop's local clock; only hours with activity are listed."""
    return _breakdown("Ventas por hora", "Hora", activity, "hour", lambda t: int(t.key),
                      lambda h: f"{h:02d}:00")


def sales_by_department(activity: Activity) -> Breakdown:
    """By the product's current department: a product moved last week counts in its new one.
    Lines with no product (común) or no department go to "Sin departamento"."""
    return _breakdown("Ventas por departamento", "Departamento", activity, "department",
                      lambda t: t.key, str, biggest_first=True)


def sales_by_payment(activity: Activity) -> Breakdown:
    """Amounts applied per payment form (cash net of change); returns by where the money went:
    the part credited back to a fiado account under fiado, the rest (cash from the drawer)
    under efectivo, so a mixed refund is split exactly."""
    return _breakdown("Ventas por forma de pago", "Forma de pago", activity, "payment",
                      lambda t: t.key, lambda m: PAYMENT_LABELS.get(m, m), biggest_first=True)


# ---- products: top sellers and gross margin ----------------------------------------------------


def product_sales(activity: Activity) -> list[ProductSales]:
    """Each product's period net of its returns; a product in the catalog is one row under its
    current name, lines with no product (común) group by their name."""
    sums: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0])
    department: dict[tuple[str | None, str], str] = {}
    for p in activity.tallies.products:
        key = (p.product_id if p.known else None, p.name)
        sums[key][0] += p.qty_milli
        sums[key][1] += p.amount
        department.setdefault(key, p.department)
    return [ProductSales(pid, name, department[(pid, name)], qty, amount)
            for (pid, name), (qty, amount) in sums.items()]


def top_products(activity: Activity, n: int = 20, by: Literal["amount", "qty"] = "amount") -> TopProducts:
    """The ``n`` best sellers by net amount or net quantity (ties by name)."""
    def rank(p: ProductSales) -> tuple[int, str, str]:
        return (-(p.amount if by == "amount" else p.qty_milli), p.name, p.product_id or "")

    return TopProducts(by, sorted(product_sales(activity), key=rank)[:n])


def gross_margin(activity: Activity) -> GrossMargin:
    sums: dict[tuple[str | None, str, bool], list[int]] = defaultdict(lambda: [0, 0, 0])
    for p in activity.tallies.products:
        entry = sums[(p.product_id if p.known else None, p.name, p.costed)]
        entry[0] += p.qty_milli
        entry[1] += p.amount
        entry[2] += p.cost
    rows = [(pid or "", MarginRow(name, qty, net, cost if costed else None))
            for (pid, name, costed), (qty, net, cost) in sums.items()]

    def rank(row: tuple[str, MarginRow]) -> tuple[bool, int, str, str]:
        # Costed products by margin, biggest first; then the ones without a cost, by sales.
        pid, r = row
        return (r.cost is None, -(r.margin if r.margin is not None else r.net), r.name, pid)

    return GrossMargin([r for _, r in sorted(rows, key=rank)])


# ---- IVA for the accountant ---------------------------------------------------------------------


def _add(a: TaxSplit, b: TaxSplit) -> TaxSplit:
    return TaxSplit(total=a.total + b.total, base=a.base + b.base, ieps=a.ieps + b.ieps, iva=a.iva + b.iva)


def iva_summary(activity: Activity) -> IvaSummary:
    sold: dict[IvaRate, TaxSplit] = {}
    back: dict[IvaRate, TaxSplit] = {}
    for t in activity.tallies.taxes:
        rate = IvaRate(t.rate)
        sold[rate] = _add(sold.get(rate, ZERO_SPLIT), t.sold)
        back[rate] = _add(back.get(rate, ZERO_SPLIT), t.returned)
    return IvaSummary([IvaRow(rate, sold[rate], back[rate]) for rate in IvaRate if rate in sold])


# ---- fiado aging -------------------------------------------------------------------------------


def aging_report(tx: Tx, today: date, tz: ZoneInfo) -> AgingReport:
    """Who owes fiado as of ``today``, oldest unpaid debt first, split by its age."""
    since = [day_bounds(today - timedelta(days=limit), tz)[0] for limit in AGING_LIMITS]
    accounts = []
    for r in report_aging.owing(tx, since):
        oldest = datetime.fromtimestamp(r.oldest_unpaid_ts, tz).date() if r.oldest_unpaid_ts else None
        b0, b1, b2, b3 = r.buckets
        accounts.append(Account(id=uuid.UUID(r.customer_id), name=r.name, phone=r.phone,
                                credit_limit=r.credit_limit, active=r.active, balance=r.balance,
                                oldest_unpaid=oldest, age_days=(today - oldest).days if oldest else None,
                                buckets=(b0, b1, b2, b3)))
    accounts.sort(key=lambda a: (-(a.age_days or 0), -a.balance, a.name))
    totals = tuple(sum(a.buckets[i] for a in accounts) for i in range(4))
    return AgingReport(tuple(accounts), (totals[0], totals[1], totals[2], totals[3]))


# ---- the use cases -----------------------------------------------------------------------------


def build(activity: Activity, top_n: int = 20) -> ReportSet:
    return ReportSet(activity.period, sales_by_day(activity), sales_by_hour(activity),
                     sales_by_department(activity), sales_by_payment(activity),
                     top_products(activity, top_n), gross_margin(activity), iva_summary(activity))


def run(till: Till, preset: Preset, first: date | None = None, last: date | None = None,
        today: date | None = None) -> ReportSet:
    """The reports for a preset period, "today" being the shop's local date unless given."""
    with till.db.read() as tx, tx.begin():
        tz = shop_zone(tx)
        today = today or till.now().astimezone(tz).date()
        return build(load_activity(tx, period_for(preset, today, tz, first, last)))


def aging(till: Till) -> AgingReport:
    """Fiado owed as of the shop's today, whatever the period (a balance has no period)."""
    with till.db.read() as tx, tx.begin():
        tz = shop_zone(tx)
        return aging_report(tx, till.now().astimezone(tz).date(), tz)


def summarize(till: Till, most: int = DAYS_PER_PASS) -> int:
    """Bring the daily summaries up to date: throw away those something changed under, then
    build up to ``most`` closed days that lack one, newest first. Returns how many are left."""
    with till.db.write() as tx:
        tz = shop_zone(tx)
        kept = _settle(tx, tz)
        first_ts = report_summaries.first_fact_instant(tx)
        if first_ts is None:
            return 0
        today = till.now().astimezone(tz).date()
        last = today - CLOSED_AFTER
        first = max(datetime.fromtimestamp(first_ts, tz).date(), today - SUMMARIZED_FOR)
        missing = [last - timedelta(days=i) for i in range(max(0, (last - first).days + 1))
                   if last - timedelta(days=i) not in kept]
        todo = missing[:most]
        if todo:
            report_summaries.save(tx, [SummarizedDay(d, str(tz), *day_bounds(d, tz)) for d in todo],
                                  from_facts(tx, spans(todo, tz), per_day=True), till.now().isoformat())
            report_summaries.roll_up_months(tx, kept | set(todo))
        return len(missing) - len(todo)


def _settle(tx: Tx, tz: ZoneInfo) -> set[date]:
    """Forget the summaries that no longer hold, mark every change so far as dealt with, and
    return the days whose summaries are kept."""
    stored = report_summaries.summarized(tx)
    good = {s.day: (s.lo, s.hi) for s in stored
            if s.zone == str(tz) and (s.lo, s.hi) == day_bounds(s.day, tz)}
    stale = report_summaries.queued_days(tx) & good.keys()
    if good:
        lo, hi = min(b[0] for b in good.values()), max(b[1] for b in good.values())
        stale |= _days_of(report_summaries.changed_instants(tx, lo, hi), good)
    report_summaries.forget(tx, [s.day for s in stored if s.day not in good or s.day in stale])
    report_summaries.settle(tx)
    return set(good) - stale


def to_csv(report: Breakdown | TopProducts | GrossMargin | IvaSummary, path: Path) -> None:
    """Write a report as CSV (see :func:`report_table.write_csv`)."""
    write_csv(report.table(), path)


__all__ = ["Activity", "Period", "Preset", "ReportSet", "aging", "build", "day_label", "load",
           "period_for", "run", "summarize", "to_csv"]
