"""Closed shifts and what each took in and gave back, per payment form: the sums a corte adds
up, as the till adds them (shared.corte says what is expected of them).

Sales, abonos and returns that name the shift count on it; abonos and returns that name no
shift (made before they carried one) count when made on the shift's device while it was open
(its window, both ends included).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sync_server.repositories import Connection


@dataclass(frozen=True, slots=True)
class ClosedShift:
    shift_id: uuid.UUID
    cashier_name: str | None
    float_amount: int
    device_id: uuid.UUID | None
    device_name: str | None
    opened_at: datetime
    closed_at: datetime
    counted: dict[str, int]
    note: str | None


async def closed(conn: Connection, tenant_id: uuid.UUID, limit: int) -> list[ClosedShift]:
    """The latest closed shifts of every till, newest close first."""
    rows = await conn.fetch(
        """SELECT s.shift_id, ca.name AS cashier_name, s.float_amount, s.device_id,
                  d.name AS device_name, s.opened_at, c.closed_at, c.counted, c.note
           FROM shift_closes c
           JOIN shifts s ON s.tenant_id = c.tenant_id AND s.shift_id = c.shift_id
           LEFT JOIN cashiers ca ON ca.tenant_id = s.tenant_id AND ca.cashier_id = s.cashier_id
           LEFT JOIN devices d ON d.tenant_id = s.tenant_id AND d.device_id = s.device_id
           WHERE c.tenant_id = $1 ORDER BY c.closed_at DESC, c.close_id DESC LIMIT $2""",
        tenant_id, limit)
    return [ClosedShift(**{**dict(r), "counted": {x["method"]: x["amount"]
                                                  for x in json.loads(r["counted"])}})
            for r in rows]


@dataclass(frozen=True, slots=True)
class ShiftSums:
    payments: dict[str, int]  # sale payments by method
    abonos: dict[str, int]
    # (refund_method, amount, to_account, card, transfer) of each return: refund_parts says
    # where its money went.
    refunds: list[tuple[str, int, int, int, int]]
    cash_in: int
    cash_out: int
    sales_count: int
    sales_total: int
    returns_count: int


async def sums(conn: Connection, tenant_id: uuid.UUID, shift: ClosedShift) -> ShiftSums:
    args = (tenant_id, shift.shift_id, shift.device_id, shift.opened_at, shift.closed_at)
    window = "device_id = $3 AND {col} >= $4 AND {col} <= $5"
    payments = await conn.fetch(
        """SELECT p.method, sum(p.amount)::bigint AS amount
           FROM sales s JOIN sale_payments p ON p.tenant_id = s.tenant_id AND p.sale_id = s.sale_id
           WHERE s.tenant_id = $1 AND s.shift_id = $2 GROUP BY p.method""", *args[:2])
    abonos = await conn.fetch(
        f"""SELECT method, sum(amount)::bigint AS amount FROM fiado_payments
            WHERE tenant_id = $1 AND (shift_id = $2 OR (shift_id IS NULL AND
                  {window.format(col='paid_at')})) GROUP BY method""", *args)
    refunds = await conn.fetch(
        f"""SELECT refund_method, amount, refund_to_account, refund_card, refund_transfer
            FROM sale_returns WHERE tenant_id = $1 AND (shift_id = $2 OR (shift_id IS NULL AND
                 {window.format(col='returned_at')}))""", *args)
    row = await conn.fetchrow(
        """SELECT (SELECT count(*) FROM sales WHERE tenant_id = $1 AND shift_id = $2) AS n,
                  (SELECT COALESCE(sum(total), 0)::bigint FROM sales
                   WHERE tenant_id = $1 AND shift_id = $2) AS total,
                  (SELECT COALESCE(sum(amount) FILTER (WHERE direction = 'entrada'), 0)::bigint
                   FROM cash_movements WHERE tenant_id = $1 AND shift_id = $2) AS cash_in,
                  (SELECT COALESCE(sum(amount) FILTER (WHERE direction = 'salida'), 0)::bigint
                   FROM cash_movements WHERE tenant_id = $1 AND shift_id = $2) AS cash_out""",
        *args[:2])
    assert row is not None
    return ShiftSums(
        payments={r["method"]: r["amount"] for r in payments},
        abonos={r["method"]: r["amount"] for r in abonos},
        refunds=[(r["refund_method"], r["amount"], r["refund_to_account"], r["refund_card"],
                  r["refund_transfer"]) for r in refunds],
        cash_in=row["cash_in"], cash_out=row["cash_out"], sales_count=row["n"],
        sales_total=row["total"], returns_count=len(refunds))
