"""Stock alerts: which products have gone below zero, and whether someone has seen to it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from shared.ids import SERVER_WRITER
from shared.sync.envelopes import StockAlertChange
from sync_server.repositories import Connection
from sync_server.repositories.bulk import upsert_newest


async def upsert_lww(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[StockAlertChange],
) -> None:
    await upsert_newest(conn, "stock_alerts", "alert_id", [
        ("tenant_id", "uuid"), ("alert_id", "uuid"), ("product_id", "uuid"),
        ("stock_milli", "bigint"), ("open", "boolean"), ("changed_at", "timestamptz"),
        ("hlc", "bigint"), ("hlc_device", "uuid"),
    ], [(tenant_id, c.payload.id, c.payload.product_id, c.payload.stock_milli, c.payload.open,
         c.payload.changed_at, c.hlc, origin or SERVER_WRITER) for c in changes])


async def needing_change(
    conn: Connection, tenant_id: uuid.UUID, product_ids: Sequence[uuid.UUID]
) -> list[asyncpg.Record]:
    """Products whose alert must open (stock < 0, none open) or close (stock ≥ 0, one open)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT s.product_id, s.stock_milli::bigint AS stock_milli,
                  s.stock_milli < 0 AS should_be_open, COALESCE(a.hlc, 0) AS stored_hlc
           FROM product_stock s
           LEFT JOIN stock_alerts a ON a.tenant_id = s.tenant_id AND a.product_id = s.product_id
           WHERE s.tenant_id = $1 AND s.product_id = ANY($2::uuid[])
             AND (s.stock_milli < 0) IS DISTINCT FROM COALESCE(a.open, false)""",
        tenant_id, list(product_ids),
    )
    return rows
