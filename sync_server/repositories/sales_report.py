"""Sales of a period added up by SQL: by day, hour, department, payment form and product, and
the groups the gross margin is priced from. Never a whole table read into Python.

A period is ``[lo, hi)`` in UTC instants; days and hours are the shop's local ones (``tz``, an
IANA name PostgreSQL shares with Python). Returns count when they happened, not on the day of
the sale they take back, as the till's reports count them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from shared.ids import uuid7_floor
from sync_server.repositories import Connection

TimeUnit = Literal["day", "hour"]
_KEY = {"day": "({col} AT TIME ZONE $4)::date", "hour": "extract(hour FROM {col} AT TIME ZONE $4)::int"}
_SALES = "FROM sales s WHERE s.tenant_id = $1 AND s.sold_at >= $2 AND s.sold_at < $3"
# Lines of the period's sales. Sale ids are UUIDv7s the till makes with the sale, so lines whose
# id is older than a day before the period cannot belong to it: ``l.sale_id >= ${floor}``
# lets the lines be read from the recent end of their primary key instead of all of them
# (sold_at still decides). See _floor.
_LINES = """FROM sales s
            JOIN sale_lines l ON l.tenant_id = s.tenant_id AND l.sale_id = s.sale_id
            LEFT JOIN products p ON p.tenant_id = l.tenant_id AND p.product_id = l.product_id
            WHERE s.tenant_id = $1 AND s.sold_at >= $2 AND s.sold_at < $3
              AND l.tenant_id = $1 AND l.sale_id >= ${floor}"""
_RETURNED = """FROM sale_returns r
               JOIN sale_return_lines rl ON rl.tenant_id = r.tenant_id AND rl.return_id = r.return_id
               LEFT JOIN sale_lines sl ON sl.tenant_id = r.tenant_id AND sl.sale_id = r.sale_id
                                      AND sl.line_no = rl.line_no
               LEFT JOIN products p ON p.tenant_id = rl.tenant_id AND p.product_id = rl.product_id
               WHERE r.tenant_id = $1 AND r.returned_at >= $2 AND r.returned_at < $3"""
# A product's current department; común lines and products without one go to the label ($4/$5).
_DEPARTMENT = "COALESCE(NULLIF(btrim(p.department), ''), ${n})"


def _floor(lo: datetime) -> uuid.UUID:
    """The smallest sale id a sale of the period may have (a day of clock skew allowed)."""
    return uuid7_floor(lo - timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Bucket:
    key: date | int | str
    tickets: int
    amount: int


@dataclass(frozen=True, slots=True)
class Totals:
    tickets: int
    gross: int
    returns: int


async def totals(conn: Connection, tenant_id: uuid.UUID, lo: datetime, hi: datetime) -> Totals:
    row = await conn.fetchrow(
        f"""SELECT (SELECT count(*) {_SALES}) AS tickets,
                   (SELECT COALESCE(sum(s.total), 0)::bigint {_SALES}) AS gross,
                   (SELECT COALESCE(sum(r.amount), 0)::bigint FROM sale_returns r
                    WHERE r.tenant_id = $1 AND r.returned_at >= $2 AND r.returned_at < $3) AS returns""",
        tenant_id, lo, hi)
    assert row is not None
    return Totals(row["tickets"], row["gross"], row["returns"])


async def sales_by_time(
    conn: Connection, tenant_id: uuid.UUID, lo: datetime, hi: datetime, tz: str, unit: TimeUnit
) -> list[Bucket]:
    """Tickets and their totals (the sum of their lines) per local day or hour."""
    key = _KEY[unit].format(col="s.sold_at")
    rows = await conn.fetch(
        f"SELECT {key} AS key, count(*) AS tickets, sum(s.total)::bigint AS amount {_SALES} "
        "GROUP BY 1", tenant_id, lo, hi, tz)
    return [Bucket(r["key"], r["tickets"], r["amount"]) for r in rows]


async def returns_by_time(
    conn: Connection, tenant_id: uuid.UUID, lo: datetime, hi: datetime, tz: str, unit: TimeUnit
) -> dict[date | int, int]:
    key = _KEY[unit].format(col="r.returned_at")
    rows = await conn.fetch(
        f"""SELECT {key} AS key, sum(r.amount)::bigint AS amount FROM sale_returns r
            WHERE r.tenant_id = $1 AND r.returned_at >= $2 AND r.returned_at < $3 GROUP BY 1""",
        tenant_id, lo, hi, tz)
    return {r["key"]: r["amount"] for r in rows}


async def sales_by_department(
    conn: Connection, tenant_id: uuid.UUID, lo: datetime, hi: datetime, none_label: str
) -> list[Bucket]:
    rows = await conn.fetch(
        f"""SELECT {_DEPARTMENT.format(n=4)} AS key, count(DISTINCT l.sale_id) AS tickets,
                   sum(l.total)::bigint AS amount {_LINES.format(floor=5)} GROUP BY 1""",
        tenant_id, lo, hi, none_label, _floor(lo))
    return [Bucket(r["key"], r["tickets"], r["amount"]) for r in rows]


async def returns_by_department(
    conn: Connection, tenant_id: uuid.UUID, lo: datetime, hi: datetime, none_label: str
) -> dict[str, int]:
    rows = await conn.fetch(
        f"SELECT {_DEPARTMENT.format(n=4)} AS key, sum(rl.amount)::bigint AS amount {_RETURNED} "
        "GROUP BY 1", tenant_id, lo, hi, none_label)
    return {r["key"]: r["amount"] for r in rows}


async def sales_by_payment(
    conn: Connection, tenant_id: uuid.UUID, lo: datetime, hi: datetime
) -> list[Bucket]:
    """Amounts applied per payment form (cash net of change), with the tickets that used it."""
    rows = await conn.fetch(
        """SELECT p.method AS key, count(DISTINCT p.sale_id) AS tickets,
                  sum(p.amount)::bigint AS amount
           FROM sales s JOIN sale_payments p ON p.tenant_id = s.tenant_id AND p.sale_id = s.sale_id
           WHERE s.tenant_id = $1 AND s.sold_at >= $2 AND s.sold_at < $3 GROUP BY 1""",
        tenant_id, lo, hi)
    return [Bucket(r["key"], r["tickets"], r["amount"]) for r in rows]


@dataclass(frozen=True, slots=True)
class RefundGroup:
    """Returns of a period summed per refund method, apart those that name card or transfer
    parts and (from before the account part) those stored as ``fiado`` with nothing credited.
    Splitting a sum is splitting each return (shared.returns.refund_parts), since the split is
    linear within such a group."""

    refund_method: str
    amount: int
    to_account: int
    card: int = 0
    transfer: int = 0


async def refund_groups(
    conn: Connection, tenant_id: uuid.UUID, lo: datetime, hi: datetime
) -> list[RefundGroup]:
    rows = await conn.fetch(
        """SELECT refund_method, sum(amount)::bigint AS amount,
                  sum(refund_to_account)::bigint AS to_account,
                  sum(refund_card)::bigint AS card, sum(refund_transfer)::bigint AS transfer
           FROM sale_returns WHERE tenant_id = $1 AND returned_at >= $2 AND returned_at < $3
           GROUP BY refund_method, refund_method = 'fiado' AND refund_to_account = 0,
                    refund_card = 0 AND refund_transfer = 0""",
        tenant_id, lo, hi)
    return [RefundGroup(r["refund_method"], r["amount"], r["to_account"], r["card"],
                        r["transfer"]) for r in rows]


@dataclass(frozen=True, slots=True)
class ProductGroup:
    """A product's lines (or returned lines, with negative quantity and amount) of a period.
    Catalog products by id under their current name; común lines (no product) by their name."""

    product_id: uuid.UUID | None
    name: str
    department: str
    qty_milli: int
    amount: int


async def product_sales(
    conn: Connection, tenant_id: uuid.UUID, lo: datetime, hi: datetime, none_label: str
) -> list[ProductGroup]:
    sold = await conn.fetch(
        f"""SELECT p.product_id, COALESCE(p.name, l.name) AS name,
                   {_DEPARTMENT.format(n=4)} AS department,
                   sum(l.qty_milli)::bigint AS qty_milli, sum(l.total)::bigint AS amount
            {_LINES.format(floor=5)} GROUP BY 1, 2, 3""", tenant_id, lo, hi, none_label, _floor(lo))
    back = await conn.fetch(
        f"""SELECT p.product_id, COALESCE(p.name, sl.name, 'Artículo') AS name,
                   {_DEPARTMENT.format(n=4)} AS department,
                   -sum(rl.qty_milli)::bigint AS qty_milli, -sum(rl.amount)::bigint AS amount
            {_RETURNED} GROUP BY 1, 2, 3""", tenant_id, lo, hi, none_label)
    return [ProductGroup(r["product_id"], r["name"], r["department"], r["qty_milli"], r["amount"])
            for r in [*sold, *back]]


@dataclass(frozen=True, slots=True)
class CostGroup:
    """Lines of one product at one unit cost and one quantity: ``count`` of them, adding up to
    ``amount``. A line's cost is ``value_of(qty, unit_cost)`` rounded per line, so lines are
    grouped by quantity too and each group's cost is ``count × value_of(qty, unit_cost)``:
    exactly the sum over its lines. Returned lines come with negative quantity and amount."""

    product_id: uuid.UUID | None
    name: str
    unit_cost: int | None  # the line's recorded cost, else the product's current; None: unknown
    qty_milli: int
    count: int
    amount: int


# The line's recorded unit cost when there is one (not 0), else the product's current cost.
_UNIT_COST = "CASE WHEN {line}.cost <> 0 THEN {line}.cost WHEN p.cost > 0 THEN p.cost END"


async def cost_groups(
    conn: Connection, tenant_id: uuid.UUID, lo: datetime, hi: datetime
) -> list[CostGroup]:
    sold = await conn.fetch(
        f"""SELECT p.product_id, COALESCE(p.name, l.name) AS name,
                   {_UNIT_COST.format(line='l')} AS unit_cost, l.qty_milli, count(*) AS count,
                   sum(l.total)::bigint AS amount
            {_LINES.format(floor=4)} GROUP BY 1, 2, 3, 4""", tenant_id, lo, hi, _floor(lo))
    back = await conn.fetch(
        f"""SELECT p.product_id, COALESCE(p.name, sl.name, 'Artículo') AS name,
                   {_UNIT_COST.format(line='sl')} AS unit_cost, -rl.qty_milli AS qty_milli,
                   count(*) AS count, -sum(rl.amount)::bigint AS amount
            {_RETURNED} GROUP BY 1, 2, 3, 4""", tenant_id, lo, hi)
    return [CostGroup(r["product_id"], r["name"], r["unit_cost"], r["qty_milli"], r["count"],
                      r["amount"]) for r in [*sold, *back]]
