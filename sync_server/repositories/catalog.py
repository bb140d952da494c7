"""Products: records settled by last-writer-wins on (hlc, device)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shared.ids import SERVER_WRITER
from shared.sync.envelopes import ProductChange
from sync_server.repositories import Connection


async def upsert_lww(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[ProductChange],
) -> None:
    """Apply product edits; an edit older than the stored one, by (hlc, device), loses."""
    rows = [
        (
            tenant_id, c.payload.id, c.payload.name, list(c.payload.barcodes),
            c.payload.department, c.payload.price, c.payload.cost, c.payload.iva.value,
            c.payload.ieps_bp, c.payload.sold_by_weight, c.payload.min_stock_milli,
            c.payload.active, c.op == "delete", c.hlc, origin or SERVER_WRITER,
            c.payload.wholesale_price, c.payload.wholesale_min_milli,
        )
        for c in changes
    ]
    await conn.executemany(
        """INSERT INTO products AS p (tenant_id, product_id, name, barcodes, department, price,
                  cost, iva, ieps_bp, sold_by_weight, min_stock_milli, active, deleted, hlc,
                  hlc_device, wholesale_price, wholesale_min_milli)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
           ON CONFLICT (tenant_id, product_id) DO UPDATE SET
                  name = EXCLUDED.name, barcodes = EXCLUDED.barcodes,
                  department = EXCLUDED.department, price = EXCLUDED.price,
                  cost = EXCLUDED.cost, iva = EXCLUDED.iva, ieps_bp = EXCLUDED.ieps_bp,
                  sold_by_weight = EXCLUDED.sold_by_weight,
                  min_stock_milli = EXCLUDED.min_stock_milli, active = EXCLUDED.active,
                  deleted = EXCLUDED.deleted, hlc = EXCLUDED.hlc, hlc_device = EXCLUDED.hlc_device,
                  wholesale_price = EXCLUDED.wholesale_price,
                  wholesale_min_milli = EXCLUDED.wholesale_min_milli
           WHERE (p.hlc, p.hlc_device) < (EXCLUDED.hlc, EXCLUDED.hlc_device)""",
        rows,
    )


async def stock(conn: Connection, tenant_id: uuid.UUID, product_id: uuid.UUID) -> int | None:
    value: int | None = await conn.fetchval(
        "SELECT stock_milli FROM product_stock WHERE tenant_id = $1 AND product_id = $2",
        tenant_id, product_id,
    )
    return value


async def existing(
    conn: Connection, tenant_id: uuid.UUID, product_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of ``product_ids`` the shop has (deleted ones included: their history stays)."""
    rows = await conn.fetch(
        "SELECT product_id FROM products WHERE tenant_id = $1 AND product_id = ANY($2::uuid[])",
        tenant_id, list(product_ids))
    return {r["product_id"] for r in rows}
