"""Stock alerts pulled from the server: products some till sold below zero."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, select

from pos_client.store.repositories import lww
from pos_client.store.repositories.lww import Edit
from pos_client.store.schema import stock_alerts
from shared.sync.merge import record_fields
from shared.sync.payloads import StockAlertPayload

_FIELDS = record_fields(StockAlertPayload)


def upsert_many(conn: Connection, edits: Sequence[Edit]) -> None:
    """Alerts are the server's and never deleted: ``deleted`` has no column here."""
    lww.upsert_many(conn, stock_alerts, [
        e.row(_FIELDS, {"product_id": str(a.product_id), "stock_milli": a.stock_milli,
                        "open": int(a.open), "changed_at": a.changed_at.isoformat()})
        for e in edits for a in [e.payload]
    ], _FIELDS)


def open_alerts(conn: Connection) -> dict[uuid.UUID, int]:
    """Product id → stock when the alert was raised, for every open alert."""
    rows = conn.execute(select(stock_alerts.c.product_id, stock_alerts.c.stock_milli)
                        .where(stock_alerts.c.open == 1))
    return {uuid.UUID(r.product_id): r.stock_milli for r in rows}
