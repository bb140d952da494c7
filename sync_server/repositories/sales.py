"""Sales with their lines and payments: facts, inserted once and never changed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shared.folio import folio_pattern
from shared.sync.envelopes import SaleChange
from sync_server.repositories import Connection
from sync_server.repositories.bulk import insert_many

_SALES = [("tenant_id", "uuid"), ("sale_id", "uuid"), ("device_id", "uuid"), ("folio", "text"),
          ("sold_at", "timestamptz"), ("total", "bigint"), ("change", "bigint"),
          ("customer_id", "uuid"), ("cashier_id", "uuid"), ("shift_id", "uuid")]
_LINES = [("tenant_id", "uuid"), ("sale_id", "uuid"), ("line_no", "int"), ("product_id", "uuid"),
          ("name", "text"), ("qty_milli", "bigint"), ("unit_price", "bigint"), ("total", "bigint"),
          ("iva", "text"), ("ieps_bp", "int"), ("discount", "bigint"), ("cost", "bigint"),
          ("hlc", "bigint")]
_PAYMENTS = [("tenant_id", "uuid"), ("sale_id", "uuid"), ("payment_no", "int"), ("method", "text"),
             ("amount", "bigint"), ("tendered", "bigint"), ("reference", "text")]


async def insert(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[SaleChange],
) -> None:
    sales, lines, payments = [], [], []
    for change in changes:
        s = change.payload
        sales.append((tenant_id, s.id, origin, s.folio, s.sold_at, s.total, s.change,
                      s.customer_id, s.cashier_id, s.shift_id))
        lines += [
            (tenant_id, s.id, ln.line_no, ln.product_id, ln.name, ln.qty_milli, ln.unit_price,
             ln.total, ln.iva.value, ln.ieps_bp, ln.discount, ln.cost, change.hlc)
            for ln in s.lines
        ]
        payments += [
            (tenant_id, s.id, i, p.method.value, p.amount, p.tendered, p.reference)
            for i, p in enumerate(s.payments, start=1)
        ]
    skip = "ON CONFLICT DO NOTHING"
    await insert_many(conn, "sales", _SALES, sales, skip)
    await insert_many(conn, "sale_lines", _LINES, lines, skip)
    await insert_many(conn, "sale_payments", _PAYMENTS, payments, skip)


async def count(conn: Connection, tenant_id: uuid.UUID) -> int:
    n: int = await conn.fetchval("SELECT count(*) FROM sales WHERE tenant_id = $1", tenant_id)
    return n


async def last_folio(
    conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID, code: str
) -> int:
    """The highest folio number of a device's series (``<code>-<number>``), 0 if none."""
    n: int = await conn.fetchval(
        """SELECT COALESCE(max(substring(folio from $3)::bigint), 0) FROM sales
           WHERE tenant_id = $1 AND device_id = $2 AND folio ~ $3""",
        tenant_id, device_id, folio_pattern(code),
    )
    return n


async def folio_holders(
    conn: Connection, tenant_id: uuid.UUID, folios: Sequence[str]
) -> dict[str, uuid.UUID]:
    """folio → the sale that has it, for those of ``folios`` already taken."""
    rows = await conn.fetch(
        "SELECT folio, sale_id FROM sales WHERE tenant_id = $1 AND folio = ANY($2::text[])",
        tenant_id, list(folios))
    return {r["folio"]: r["sale_id"] for r in rows}


async def paid_by_method(
    conn: Connection, tenant_id: uuid.UUID, sale_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    """sale_id → what its payments put on each method (fiado: on the customer's account)."""
    rows = await conn.fetch(
        """SELECT sale_id, method, sum(amount)::bigint AS amount FROM sale_payments
           WHERE tenant_id = $1 AND sale_id = ANY($2::uuid[]) GROUP BY sale_id, method""",
        tenant_id, list(sale_ids))
    out: dict[uuid.UUID, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["sale_id"], {})[r["method"]] = r["amount"]
    return out


async def lines_sold(
    conn: Connection, tenant_id: uuid.UUID, sale_ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, int], tuple[uuid.UUID | None, int]]:
    """(sale_id, line_no) → (product_id, quantity sold in thousandths) of those sales."""
    rows = await conn.fetch(
        """SELECT sale_id, line_no, product_id, qty_milli FROM sale_lines
           WHERE tenant_id = $1 AND sale_id = ANY($2::uuid[])""", tenant_id, list(sale_ids))
    return {(r["sale_id"], r["line_no"]): (r["product_id"], r["qty_milli"]) for r in rows}


async def existing(
    conn: Connection, tenant_id: uuid.UUID, sale_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of ``sale_ids`` the shop has."""
    rows = await conn.fetch(
        "SELECT sale_id FROM sales WHERE tenant_id = $1 AND sale_id = ANY($2::uuid[])",
        tenant_id, list(sale_ids))
    return {r["sale_id"] for r in rows}
