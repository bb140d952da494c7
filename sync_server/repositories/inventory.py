"""Inventory movements: receipts, adjustments and counts, as immutable facts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shared.sync.envelopes import InventoryMovementChange
from sync_server.repositories import Connection


async def insert(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[InventoryMovementChange],
) -> None:
    await conn.executemany(
        """INSERT INTO inventory_movements (tenant_id, movement_id, product_id, qty_milli,
                                            reason, note, device_id, moved_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING""",
        [
            (tenant_id, m.payload.id, m.payload.product_id, m.payload.qty_milli,
             m.payload.reason, m.payload.note, origin, m.payload.moved_at)
            for m in changes
        ],
    )
