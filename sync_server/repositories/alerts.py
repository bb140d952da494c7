"""Stock alerts: which products have gone below zero, and whether someone has seen to it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from shared.ids import SERVER_WRITER
from shared.sync.wire import StockAlertChange


async def upsert_lww(
    conn: asyncpg.Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[StockAlertChange],
) -> None:
    await conn.executemany(
        """INSERT INTO stock_alerts AS a (tenant_id, alert_id, product_id, stock_milli, open,
                                          changed_at, hlc, hlc_device)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (tenant_id, alert_id) DO UPDATE SET
                  stock_milli = EXCLUDED.stock_milli, open = EXCLUDED.open,
                  changed_at = EXCLUDED.changed_at, hlc = EXCLUDED.hlc,
                  hlc_device = EXCLUDED.hlc_device
           WHERE (a.hlc, a.hlc_device) < (EXCLUDED.hlc, EXCLUDED.hlc_device)""",
        [(tenant_id, c.payload.id, c.payload.product_id, c.payload.stock_milli, c.payload.open,
          c.payload.changed_at, c.hlc, origin or SERVER_WRITER) for c in changes],
    )


async def needing_change(
    conn: asyncpg.Connection, tenant_id: uuid.UUID, product_ids: Sequence[uuid.UUID]
) -> list[asyncpg.Record]:
    """Products whose alert must open (stock < 0, none open) or close (stock ≥ 0, one open)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT s.product_id, s.stock_milli::bigint AS stock_milli,
                  s.stock_milli < 0 AS should_be_open
           FROM product_stock s
           LEFT JOIN stock_alerts a ON a.tenant_id = s.tenant_id AND a.product_id = s.product_id
           WHERE s.tenant_id = $1 AND s.product_id = ANY($2::uuid[])
             AND (s.stock_milli < 0) IS DISTINCT FROM COALESCE(a.open, false)""",
        tenant_id, list(product_ids),
    )
    return rows
