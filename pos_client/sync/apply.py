"""Apply changes pulled from the server to the local store: facts once, records by last writer."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection

from pos_client.store.repositories import catalog, facts
from shared.hlc import HybridClock
from shared.sync.wire import FeedItem, InventoryMovementChange, ProductChange, SaleChange

NIL_DEVICE = uuid.UUID(int=0)  # writer id of server-made changes (same rule as the server)


def apply_item(conn: Connection, item: FeedItem, clock: HybridClock) -> None:
    change = item.change
    clock.observe(change.hlc)
    if isinstance(change, SaleChange):
        facts.insert_sale(conn, change.payload, item.origin_device_id)
    elif isinstance(change, InventoryMovementChange):
        facts.insert_movement(conn, change.payload, item.origin_device_id)
    elif isinstance(change, ProductChange):
        catalog.upsert_lww(conn, change.payload, change.hlc, item.origin_device_id or NIL_DEVICE,
                           deleted=change.op == "delete")
    else:  # pragma: no cover - the wire union is closed; a new entity must be handled here
        raise TypeError(f"unhandled entity {change.entity}")
