"""Inventory movements (receipts, adjustments) and physical counts, as immutable facts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shared.sync.envelopes import InventoryMovementChange, StockCountChange
from sync_server.repositories import Connection


async def insert(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[InventoryMovementChange],
) -> None:
    await conn.executemany(
        """INSERT INTO inventory_movements (tenant_id, movement_id, product_id, qty_milli,
                                            reason, note, device_id, moved_at, hlc)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING""",
        [
            (tenant_id, m.payload.id, m.payload.product_id, m.payload.qty_milli,
             m.payload.reason, m.payload.note, origin, m.payload.moved_at, m.hlc)
            for m in changes
        ],
    )


async def insert_counts(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[StockCountChange],
) -> None:
    """Physical counts: stock (the product_stock view) starts from the last one."""
    await conn.executemany(
        """INSERT INTO stock_counts (tenant_id, count_id, product_id, counted_milli, counted_at,
                                     note, cashier_id, device_id, hlc)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING""",
        [
            (tenant_id, c.payload.id, c.payload.product_id, c.payload.counted_milli,
             c.payload.counted_at, c.payload.note, c.payload.cashier_id, origin, c.hlc)
            for c in changes
        ],
    )
