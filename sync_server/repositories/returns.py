"""Returns and cancellations of sales (facts), and what has been returned or credited so far."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shared.sync.envelopes import SaleReturnChange
from sync_server.repositories import Connection
from sync_server.repositories.bulk import insert_many

_SKIP = "ON CONFLICT DO NOTHING"


async def insert_returns(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None, changes: Sequence[SaleReturnChange]
) -> None:
    await insert_many(conn, "sale_returns", [
        ("tenant_id", "uuid"), ("return_id", "uuid"), ("sale_id", "uuid"), ("amount", "bigint"),
        ("refund_method", "text"), ("reason", "text"), ("cashier_id", "uuid"),
        ("device_id", "uuid"), ("returned_at", "timestamptz"), ("refund_to_account", "bigint"),
        ("refund_card", "bigint"), ("refund_transfer", "bigint"), ("refund_reference", "text"),
        ("shift_id", "uuid"),
    ], [(tenant_id, r.id, r.sale_id, r.amount, r.refund_method.value, r.reason, r.cashier_id,
         origin, r.returned_at, r.refund_to_account, r.refund_card, r.refund_transfer,
         r.refund_reference, r.shift_id) for r in (c.payload for c in changes)], _SKIP)
    await insert_many(conn, "sale_return_lines", [
        ("tenant_id", "uuid"), ("return_id", "uuid"), ("line_no", "int"), ("product_id", "uuid"),
        ("qty_milli", "bigint"), ("amount", "bigint"), ("hlc", "bigint"),
    ], [(tenant_id, c.payload.id, ln.line_no, ln.product_id, ln.qty_milli, ln.amount, c.hlc)
        for c in changes for ln in c.payload.lines], _SKIP)


async def credited_to_account(
    conn: Connection, tenant_id: uuid.UUID, sale_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """sale_id → what its returns so far credited back to the customer's fiado account."""
    rows = await conn.fetch(
        """SELECT sale_id, sum(refund_to_account)::bigint AS amount FROM sale_returns
           WHERE tenant_id = $1 AND sale_id = ANY($2::uuid[]) GROUP BY sale_id""",
        tenant_id, list(sale_ids))
    return {r["sale_id"]: r["amount"] for r in rows}


async def returned_by_line(
    conn: Connection, tenant_id: uuid.UUID, sale_ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, int], int]:
    """(sale_id, line_no) → quantity already returned, in thousandths."""
    rows = await conn.fetch(
        """SELECT r.sale_id, l.line_no, sum(l.qty_milli)::bigint AS qty
           FROM sale_return_lines l JOIN sale_returns r
             ON r.tenant_id = l.tenant_id AND r.return_id = l.return_id
           WHERE r.tenant_id = $1 AND r.sale_id = ANY($2::uuid[])
           GROUP BY r.sale_id, l.line_no""", tenant_id, list(sale_ids))
    return {(r["sale_id"], r["line_no"]): r["qty"] for r in rows}


async def refund_rows(
    conn: Connection, tenant_id: uuid.UUID, sale_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[str, int, int, int, int]]]:
    """sale_id → its returns as (refund_method, amount, refund_to_account, card, transfer)."""
    rows = await conn.fetch(
        """SELECT sale_id, refund_method, amount, refund_to_account, refund_card, refund_transfer
           FROM sale_returns WHERE tenant_id = $1 AND sale_id = ANY($2::uuid[])""",
        tenant_id, list(sale_ids))
    out: dict[uuid.UUID, list[tuple[str, int, int, int, int]]] = {}
    for r in rows:
        out.setdefault(r["sale_id"], []).append(
            (r["refund_method"], r["amount"], r["refund_to_account"], r["refund_card"],
             r["refund_transfer"]))
    return out
