"""Fiado accounts read per customer on the server: balances, charges for their age, and the
movements of an estado de cuenta. Balances are derived: charges − abonos − what returns of the
customer's sales credited back to the account (the customer_balances view)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sync_server.repositories import Connection
from sync_server.repositories.folding import contains_patterns, folded

Dated = tuple[datetime, int]


@dataclass(frozen=True, slots=True)
class CustomerRow:
    customer_id: uuid.UUID
    name: str
    phone: str | None
    credit_limit: int
    active: bool
    balance: int


_CUSTOMERS = """SELECT c.customer_id, c.name, c.phone, c.credit_limit, c.active,
                       COALESCE(b.balance, 0)::bigint AS balance
                FROM customers c
                LEFT JOIN customer_balances b ON b.tenant_id = c.tenant_id
                                             AND b.customer_id = c.customer_id
                WHERE c.tenant_id = $1 AND NOT c.deleted"""


async def customers(
    conn: Connection, tenant_id: uuid.UUID, words: Sequence[str], owing_only: bool, limit: int
) -> list[CustomerRow]:
    """Customers whose name holds every one of ``words`` (folded; none: all), the largest debt
    first."""
    rows = await conn.fetch(
        _CUSTOMERS + """ AND ($2::text[] IS NULL OR """ + folded("c.name") + """ LIKE ALL ($2::text[]))
                         AND (NOT $3 OR COALESCE(b.balance, 0) > 0)
                       ORDER BY COALESCE(b.balance, 0) DESC, c.name LIMIT $4""",
        tenant_id, contains_patterns(words) if words else None, owing_only, limit)
    return [CustomerRow(**dict(r)) for r in rows]


async def customer(
    conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> CustomerRow | None:
    row = await conn.fetchrow(_CUSTOMERS + " AND c.customer_id = $2", tenant_id, customer_id)
    return CustomerRow(**dict(row)) if row else None


async def by_phone(conn: Connection, tenant_id: uuid.UUID, phone: str) -> CustomerRow | None:
    row = await conn.fetchrow(_CUSTOMERS + " AND c.phone = $2 ORDER BY c.customer_id LIMIT 1",
                              tenant_id, phone)
    return CustomerRow(**dict(row)) if row else None


async def totals(conn: Connection, tenant_id: uuid.UUID) -> tuple[int, int]:
    """(customers who owe, what they owe in all)."""
    row = await conn.fetchrow(
        """SELECT count(*) AS n, COALESCE(sum(b.balance), 0)::bigint AS owed
           FROM customer_balances b JOIN customers c
             ON c.tenant_id = b.tenant_id AND c.customer_id = b.customer_id AND NOT c.deleted
           WHERE b.tenant_id = $1 AND b.balance > 0""", tenant_id)
    assert row is not None
    return row["n"], row["owed"]


async def charges_of(
    conn: Connection, tenant_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Dated]]:
    """Each customer's charges as (when, amount)."""
    out: dict[uuid.UUID, list[Dated]] = defaultdict(list)
    for r in await conn.fetch(
            """SELECT customer_id, charged_at, amount FROM fiado_charges
               WHERE tenant_id = $1 AND customer_id = ANY($2::uuid[])""",
            tenant_id, list(customer_ids)):
        out[r["customer_id"]].append((r["charged_at"], r["amount"]))
    return out


async def taken_off(
    conn: Connection, tenant_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """What came off each customer's debt: abonos, and returns credited to the account (which
    pay the oldest debt too)."""
    rows = await conn.fetch(
        """SELECT customer_id, sum(amount)::bigint AS paid FROM (
               SELECT customer_id, amount FROM fiado_payments
               WHERE tenant_id = $1 AND customer_id = ANY($2::uuid[])
               UNION ALL
               SELECT s.customer_id, r.refund_to_account FROM sale_returns r
               JOIN sales s ON s.tenant_id = r.tenant_id AND s.sale_id = r.sale_id
               WHERE r.tenant_id = $1 AND s.customer_id = ANY($2::uuid[])
                 AND r.refund_to_account > 0) x
           GROUP BY customer_id""", tenant_id, list(customer_ids))
    return {r["customer_id"]: r["paid"] for r in rows}


@dataclass(frozen=True, slots=True)
class Charge:
    at: datetime
    amount: int
    note: str | None
    sale_id: uuid.UUID | None
    folio: str | None


@dataclass(frozen=True, slots=True)
class Abono:
    at: datetime
    amount: int
    method: str
    note: str | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class Credit:
    at: datetime
    amount: int
    folio: str


async def charges(conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Charge]:
    rows = await conn.fetch(
        """SELECT f.charged_at AS at, f.amount, f.note, f.sale_id, s.folio FROM fiado_charges f
           LEFT JOIN sales s ON s.tenant_id = f.tenant_id AND s.sale_id = f.sale_id
           WHERE f.tenant_id = $1 AND f.customer_id = $2""", tenant_id, customer_id)
    return [Charge(**dict(r)) for r in rows]


async def abonos(conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Abono]:
    rows = await conn.fetch(
        """SELECT paid_at AS at, amount, method, note, reference FROM fiado_payments
           WHERE tenant_id = $1 AND customer_id = $2""", tenant_id, customer_id)
    return [Abono(**dict(r)) for r in rows]


async def credited_returns(
    conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> list[Credit]:
    rows = await conn.fetch(
        """SELECT r.returned_at AS at, r.refund_to_account AS amount, s.folio FROM sale_returns r
           JOIN sales s ON s.tenant_id = r.tenant_id AND s.sale_id = r.sale_id
           WHERE r.tenant_id = $1 AND s.customer_id = $2 AND r.refund_to_account > 0""",
        tenant_id, customer_id)
    return [Credit(**dict(r)) for r in rows]


async def paid_between(conn: Connection, tenant_id: uuid.UUID, lo: datetime, hi: datetime) -> int:
    """Abonos received in ``[lo, hi)``, whatever the form (the day's fiado collected)."""
    total: int = await conn.fetchval(
        """SELECT COALESCE(sum(amount), 0)::bigint FROM fiado_payments
           WHERE tenant_id = $1 AND paid_at >= $2 AND paid_at < $3""", tenant_id, lo, hi)
    return total
