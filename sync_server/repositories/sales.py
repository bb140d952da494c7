"""Sales with their lines and payments: facts, inserted once and never changed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from shared.sync.wire import SaleChange


async def insert(
    conn: asyncpg.Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[SaleChange],
) -> None:
    sales, lines, payments = [], [], []
    for change in changes:
        s = change.payload
        sales.append((tenant_id, s.id, origin, s.folio, s.sold_at, s.total, s.change))
        lines += [
            (tenant_id, s.id, ln.line_no, ln.product_id, ln.name, ln.qty_milli, ln.unit_price,
             ln.total, ln.iva.value, ln.ieps_bp)
            for ln in s.lines
        ]
        payments += [
            (tenant_id, s.id, i, p.method.value, p.amount, p.tendered, p.reference)
            for i, p in enumerate(s.payments, start=1)
        ]
    await conn.executemany(
        """INSERT INTO sales (tenant_id, sale_id, device_id, folio, sold_at, total, change)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""",
        sales,
    )
    await conn.executemany(
        """INSERT INTO sale_lines (tenant_id, sale_id, line_no, product_id, name, qty_milli,
                                   unit_price, total, iva, ieps_bp)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING""",
        lines,
    )
    await conn.executemany(
        """INSERT INTO sale_payments (tenant_id, sale_id, payment_no, method, amount, tendered,
                                      reference)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""",
        payments,
    )


async def count(conn: asyncpg.Connection, tenant_id: uuid.UUID) -> int:
    n: int = await conn.fetchval("SELECT count(*) FROM sales WHERE tenant_id = $1", tenant_id)
    return n
