"""Daily summary rows for the reports, and what makes a summarized day out of date.

A summarized day holds the same tallies the reports would add up from its facts (per hour,
department, payment form, product and IVA rate), so a year is a few thousand rows instead of a
million lines. A day's rows are only trusted while nothing they were built from has changed:

- a fact stored after them (a till that was offline syncs days later): found by rowid above
  the marks in ``report_marks``, which cost the sale path nothing;
- a fact withdrawn (the server refused it): its instant is queued by a trigger;
- a product renamed or moved to another department, or its cost or taxes changed where a line
  fell back to them: the days are queued by triggers on ``products``;
- another time zone, or other UTC bounds for the day (``report_days`` keeps both).

The reports leave such days out and add them up from the facts; the next summarizing pass
throws their rows away and builds them again (migration 10 has the tables and triggers).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pos_client.store.database import Tx, driver
from shared.tax import TaxSplit

_TABLES = ("report_tallies", "report_products", "report_taxes", "report_days")


@dataclass(frozen=True, slots=True)
class Tally:
    """Sales and returns of one key of a breakdown (``kind`` day, hour, department or payment)
    on one day, or over several (``day`` None; day totals always have their day)."""

    day: date | None
    kind: str
    key: str
    tickets: int
    gross: int
    returns: int


@dataclass(frozen=True, slots=True)
class ProductTally:
    """One product's sales net of returns, as the reports show it (``known``: in the catalog,
    named and placed as it is today; otherwise grouped by the name on the ticket)."""

    day: date | None
    product_id: str  # '' for común lines
    name: str
    costed: bool
    known: bool
    department: str
    qty_milli: int
    amount: int
    cost: int
    catalog_lines: int  # lines that read the catalog's cost or taxes


@dataclass(frozen=True, slots=True)
class TaxTally:
    day: date | None
    rate: str
    sold: TaxSplit
    returned: TaxSplit


@dataclass(frozen=True, slots=True)
class Tallies:
    tallies: list[Tally]
    products: list[ProductTally]
    taxes: list[TaxTally]


@dataclass(frozen=True, slots=True)
class SummarizedDay:
    day: date
    zone: str
    lo: int
    hi: int


def _rows(conn: Tx, sql: str, *params: object) -> Iterator[Any]:
    yield from driver(conn).execute(sql, params)


def _json_days(days: Iterable[date]) -> str:
    return json.dumps([d.isoformat() for d in days])


# ---- what is summarized, and what changed since -----------------------------------------------


def summarized(conn: Tx, first: date | None = None, last: date | None = None) -> list[SummarizedDay]:
    """Summarized days from ``first`` to ``last`` (both included; every day when not given)."""
    rows = _rows(conn, "SELECT day, zone, lo, hi FROM report_days WHERE day >= ? AND day <= ? "
                       "ORDER BY day", (first or date.min).isoformat(), (last or date.max).isoformat())
    return [SummarizedDay(date.fromisoformat(d), zone, lo, hi) for d, zone, lo, hi in rows]


def queued_days(conn: Tx) -> set[date]:
    """Days a product change put out of date (triggers on ``products``)."""
    return {date.fromisoformat(d) for (d,) in _rows(conn, "SELECT day FROM report_stale_days")}


def changed_instants(conn: Tx, lo: int, hi: int) -> list[int]:
    """UTC instants in ``[lo, hi)`` of facts stored since the last summarizing pass (and of the
    returns of sales stored since, which take their name, taxes and cost from them), or of
    facts withdrawn since: the days they fall on cannot be trusted to their summaries."""
    sql = """
    WITH marks AS (SELECT sales_seen, returns_seen FROM report_marks),
    changed (ts) AS (
        SELECT s.sold_ts FROM sales s WHERE s.rowid > (SELECT sales_seen FROM marks)
        UNION ALL
        SELECT r.returned_ts FROM sale_returns r WHERE r.rowid > (SELECT returns_seen FROM marks)
        UNION ALL
        SELECT r.returned_ts FROM sales s JOIN sale_returns r ON r.sale_id = s.id
        WHERE s.rowid > (SELECT sales_seen FROM marks)
        UNION ALL
        SELECT ts FROM report_stale_instants)
    SELECT DISTINCT ts FROM changed WHERE +ts >= ? AND +ts < ? ORDER BY ts  -- (+: by rowid, not by instant)
    """
    return [ts for (ts,) in _rows(conn, sql, lo, hi)]


def settle(conn: Tx) -> None:
    """Everything changed so far has been dealt with: move the marks up to the newest facts
    and empty the queues (in the same transaction that threw the affected days away)."""
    driver(conn).execute(
        "UPDATE report_marks SET sales_seen = (SELECT coalesce(max(rowid), 0) FROM sales), "
        "returns_seen = (SELECT coalesce(max(rowid), 0) FROM sale_returns)")
    driver(conn).execute("DELETE FROM report_stale_instants")
    driver(conn).execute("DELETE FROM report_stale_days")


def forget(conn: Tx, days: Iterable[date]) -> None:
    """Throw these days' summaries away (they are added up from the facts until rebuilt), and
    their months' (added up again from the days that are kept)."""
    keys = [(d.isoformat(),) for d in days]
    cur = driver(conn)
    for table in _TABLES:
        cur.executemany(f"DELETE FROM {table} WHERE day = ?", keys)
    months = {(day[:7],) for (day,) in keys}
    cur.executemany("DELETE FROM report_month_products WHERE month = ?", months)
    cur.executemany("DELETE FROM report_months WHERE month = ?", months)


def _month(day: date) -> str:
    return f"{day:%Y-%m}"


def _runs_from_the_first(days: Iterable[date]) -> dict[str, date]:
    """Per month, the last of the days from its 1st on that are all among ``days``."""
    have = set(days)
    out = {}
    for first in (d for d in have if d.day == 1):
        last = first
        while last + timedelta(days=1) in have and (last + timedelta(days=1)).month == first.month:
            last += timedelta(days=1)
        out[_month(first)] = last
    return out


def roll_up_months(conn: Tx, kept: Iterable[date]) -> None:
    """Add up each month's products over its ``kept`` days from the 1st on, where the month rows
    stored cover fewer of them (the current month grows a day at a time)."""
    cur = driver(conn)
    stored = {m: upto for m, upto in cur.execute("SELECT month, upto FROM report_months")}
    for month, upto in sorted(_runs_from_the_first(kept).items()):
        if stored.get(month) == upto.isoformat():
            continue
        cur.execute("DELETE FROM report_month_products WHERE month = ?", (month,))
        cur.execute(
            "INSERT INTO report_month_products SELECT ?, product_id, name, costed, max(known), "
            "max(department), sum(qty_milli), sum(amount), sum(cost), sum(catalog_lines) "
            "FROM report_products WHERE day >= ? AND day <= ? GROUP BY product_id, name, costed",
            (month, f"{month}-01", upto.isoformat()))
        cur.execute("INSERT OR REPLACE INTO report_months VALUES (?, ?)", (month, upto.isoformat()))


# ---- writing and reading the tallies ----------------------------------------------------------


def save(conn: Tx, days: Sequence[SummarizedDay], tallies: Tallies, built_at: str) -> None:
    """Store these days' tallies (every ``day`` field set) and mark the days summarized."""
    cur = driver(conn)
    forget(conn, (d.day for d in days))
    cur.executemany("INSERT INTO report_days VALUES (?, ?, ?, ?, ?)",
                    [(d.day.isoformat(), d.zone, d.lo, d.hi, built_at) for d in days])
    cur.executemany("INSERT INTO report_tallies VALUES (?, ?, ?, ?, ?, ?)",
                    [(_iso(t.day), t.kind, t.key, t.tickets, t.gross, t.returns)
                     for t in tallies.tallies])
    cur.executemany("INSERT INTO report_products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(_iso(p.day), p.product_id, p.name, int(p.costed), int(p.known), p.department,
                      p.qty_milli, p.amount, p.cost, p.catalog_lines) for p in tallies.products])
    cur.executemany("INSERT INTO report_taxes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(_iso(t.day), t.rate, *_split(t.sold), *_split(t.returned))
                     for t in tallies.taxes])


def _iso(day: date | None) -> str:
    if day is None:
        raise ValueError("a summary row belongs to one day")
    return day.isoformat()


def _split(s: TaxSplit) -> tuple[int, int, int, int]:
    return s.total, s.base, s.ieps, s.iva


_IN_DAYS = "day IN (SELECT value FROM json_each(?))"
_PRODUCT_SUMS = ("product_id, name, costed, max(known), max(department), sum(qty_milli), "
                 "sum(amount), sum(cost), sum(catalog_lines)")


def read(conn: Tx, days: Sequence[date]) -> Tallies:
    """These summarized days' tallies added up by SQL: day totals stay per day (they are the
    by-day report), everything else is summed over the days, products of whole months from
    the months' rows."""
    if not days:
        return Tallies([], [], [])
    wanted = _json_days(days)
    totals = [Tally(date.fromisoformat(d), "day", "", n, gross, back) for d, n, gross, back in _rows(
        conn, f"SELECT day, tickets, gross, returns FROM report_tallies "
              f"WHERE {_IN_DAYS} AND kind = 'day'", wanted)]
    keyed = [Tally(None, kind, key, n, gross, back) for kind, key, n, gross, back in _rows(
        conn, f"SELECT kind, key, sum(tickets), sum(gross), sum(returns) FROM report_tallies "
              f"WHERE {_IN_DAYS} AND kind != 'day' GROUP BY kind, key", wanted)]
    runs = _runs_from_the_first(days)
    rolled = {m: date.fromisoformat(upto) for m, upto in _rows(
        conn, "SELECT month, upto FROM report_months WHERE month IN (SELECT value FROM json_each(?))",
        json.dumps(sorted(runs))) if date.fromisoformat(upto) <= runs[m]}
    by_day = _json_days(d for d in days if _month(d) not in rolled or d > rolled[_month(d)])
    products = [ProductTally(None, pid, name, bool(costed), bool(known), dept, qty, amount, cost, n)
                for pid, name, costed, known, dept, qty, amount, cost, n in _rows(
                    conn, f"SELECT {_PRODUCT_SUMS} FROM ("
                          f"SELECT * FROM report_month_products "
                          f"WHERE month IN (SELECT value FROM json_each(?)) "
                          f"UNION ALL SELECT substr(day, 1, 7), product_id, name, costed, known, "
                          f"department, qty_milli, amount, cost, catalog_lines FROM report_products "
                          f"WHERE {_IN_DAYS}) GROUP BY product_id, name, costed",
                    json.dumps(sorted(rolled)), by_day)]
    taxes = [TaxTally(None, rate, TaxSplit(total=st, base=sb, ieps=se, iva=si),
                      TaxSplit(total=bt, base=bb, ieps=be, iva=bi))
             for rate, st, sb, se, si, bt, bb, be, bi in _rows(
                 conn, "SELECT rate, sum(sold_total), sum(sold_base), sum(sold_ieps), "
                       "sum(sold_iva), sum(back_total), sum(back_base), sum(back_ieps), "
                       f"sum(back_iva) FROM report_taxes WHERE {_IN_DAYS} GROUP BY rate", wanted)]
    return Tallies(totals + keyed, products, taxes)


def first_fact_instant(conn: Tx) -> int | None:
    """The earliest sale or return on this device (the days before it need no summary)."""
    sales_first = next(_rows(conn, "SELECT min(sold_ts) FROM sales"))[0]
    returns_first = next(_rows(conn, "SELECT min(returned_ts) FROM sale_returns"))[0]
    known = [ts for ts in (sales_first, returns_first) if ts is not None]
    return min(known) if known else None
