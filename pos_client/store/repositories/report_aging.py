"""Fiado aging by SQL: what each customer owes and how old the unpaid part of it is.

Abonos and refunds to the account pay the oldest charges first (FIFO). With ``upto`` the
running sum of a customer's charges in the order they were made and ``paid`` all they paid,
what is left of a charge is ``max(0, min(amount, upto − paid))``: a window over the charges
in the order of their index, never a walk through them in Python. Charges in the same second
may be paid in either order: they fall on the same day, so in the same bucket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pos_client.store.database import Tx, driver


@dataclass(frozen=True, slots=True)
class AgingRow:
    customer_id: str
    name: str
    phone: str | None
    credit_limit: int
    active: bool
    balance: int
    oldest_unpaid_ts: int | None  # UTC epoch seconds of the oldest charge not yet paid
    buckets: tuple[int, ...]  # what is unpaid of charges made since each of ``since``, in order


_AGING = """
WITH paid (customer_id, amount) AS (
    SELECT customer_id, sum(amount) FROM (
        SELECT customer_id, amount FROM fiado_payments
        UNION ALL
        SELECT s.customer_id, r.refund_to_account FROM sale_returns r
        JOIN sales s ON s.id = r.sale_id
        WHERE r.refund_to_account > 0 AND s.customer_id IS NOT NULL)
    GROUP BY customer_id),
charged AS (
    SELECT customer_id, amount, charged_ts,
           sum(amount) OVER (PARTITION BY customer_id ORDER BY charged_ts
                             ROWS UNBOUNDED PRECEDING) AS upto
    FROM fiado_charges),
owed AS (
    SELECT c.customer_id, sum(c.amount) AS charged,
           min(CASE WHEN c.upto > coalesce(p.amount, 0) THEN c.charged_ts END) AS oldest,
           {buckets}
    FROM charged c LEFT JOIN paid p ON p.customer_id = c.customer_id
    GROUP BY c.customer_id)
SELECT cu.id, cu.name, cu.phone, cu.credit_limit, cu.active,
       o.charged - coalesce(p.amount, 0) AS balance, o.oldest, {bucket_columns}
FROM customers cu JOIN owed o ON o.customer_id = cu.id
LEFT JOIN paid p ON p.customer_id = cu.id
WHERE cu.deleted = 0 AND o.charged - coalesce(p.amount, 0) > 0
ORDER BY cu.name
"""
_LEFT = "max(0, min(c.amount, c.upto - coalesce(p.amount, 0)))"


def owing(conn: Tx, since: Sequence[int]) -> list[AgingRow]:
    """Customers who owe, with the unpaid part of their charges split by age: bucket ``i``
    holds charges made at or after ``since[i]`` (UTC epoch seconds, newest limit first) and
    before ``since[i − 1]``; the last bucket holds the older ones."""
    cases: list[str] = []
    params: list[int] = []
    for i in range(len(since) + 1):
        within = ["1"]
        if i > 0:
            within.append("c.charged_ts < ?")
            params.append(since[i - 1])
        if i < len(since):
            within.append("c.charged_ts >= ?")
            params.append(since[i])
        cases.append(f"sum(CASE WHEN {' AND '.join(within)} THEN {_LEFT} ELSE 0 END) AS b{i}")
    sql = _AGING.format(buckets=", ".join(cases),
                        bucket_columns=", ".join(f"o.b{i}" for i in range(len(since) + 1)))
    return [AgingRow(cid, name, phone, limit, bool(active), balance, oldest, tuple(buckets))
            for cid, name, phone, limit, active, balance, oldest, *buckets
            in driver(conn).execute(sql, params)]
