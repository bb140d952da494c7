"""Stock alerts: which products have gone below zero, and whether someone has seen to it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from shared.sync.envelopes import StockAlertChange
from shared.sync.merge import record_fields
from shared.sync.payloads import StockAlertPayload
from sync_server.repositories import Connection
from sync_server.repositories.records import edit_of, upsert_merged

_FIELDS = record_fields(StockAlertPayload)


async def upsert_lww(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[StockAlertChange],
) -> None:
    """The server's own records, never deleted: ``deleted`` has no column."""
    await upsert_merged(conn, tenant_id, "stock_alerts", "alert_id", [
        ("product_id", "uuid"), ("stock_milli", "bigint"), ("open", "boolean"),
        ("changed_at", "timestamptz"),
    ], _FIELDS, [edit_of(c, origin, _FIELDS, {
        "product_id": p.product_id, "stock_milli": p.stock_milli, "open": p.open,
        "changed_at": p.changed_at}) for c in changes for p in [c.payload]])


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
