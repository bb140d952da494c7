"""Stock alerts pulled from the server: products some till sold below zero."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, select

from pos_client.store.repositories import lww
from pos_client.store.schema import stock_alerts
from shared.sync.payloads import StockAlertPayload


def upsert_many(
    conn: Connection, edits: Sequence[tuple[StockAlertPayload, int, uuid.UUID, bool]]
) -> None:
    lww.upsert_many(conn, stock_alerts, [
        {"id": str(a.id), "product_id": str(a.product_id), "stock_milli": a.stock_milli,
         "open": int(a.open and not deleted), "changed_at": a.changed_at.isoformat(),
         "hlc": hlc, "hlc_device": str(writer)}
        for a, hlc, writer, deleted in edits
    ])


def open_alerts(conn: Connection) -> dict[uuid.UUID, int]:
    """Product id → stock when the alert was raised, for every open alert."""
    rows = conn.execute(select(stock_alerts.c.product_id, stock_alerts.c.stock_milli)
                        .where(stock_alerts.c.open == 1))
    return {uuid.UUID(r.product_id): r.stock_milli for r in rows}
