"""Apply changes pulled from the server to the local store: facts once, records by last writer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from pos_client.store.repositories import catalog, customers, facts
from shared.hlc import HybridClock
from shared.ids import SERVER_WRITER
from shared.sync.wire import Change, FeedItem


def _record(upsert: Callable[..., bool]) -> Callable[[Connection, Any, uuid.UUID | None], None]:
    def apply(conn: Connection, change: Any, origin: uuid.UUID | None) -> None:
        upsert(conn, change.payload, change.hlc, origin or SERVER_WRITER,
               deleted=change.op == "delete")

    return apply


def _fact(insert: Callable[..., bool]) -> Callable[[Connection, Any, uuid.UUID | None], None]:
    def apply(conn: Connection, change: Any, origin: uuid.UUID | None) -> None:
        insert(conn, change.payload, origin)

    return apply


_APPLY = {
    "product": _record(catalog.upsert_lww),
    "customer": _record(customers.upsert_lww),
    "sale": _fact(facts.insert_sale),
    "inventory_movement": _fact(facts.insert_movement),
    "fiado_charge": _fact(customers.insert_charge),
    "fiado_payment": _fact(customers.insert_payment),
}


def apply_change(conn: Connection, change: Change, origin: uuid.UUID | None) -> None:
    """Apply one change to the local store; applying it again changes nothing."""
    _APPLY[change.entity](conn, change, origin)


def apply_item(conn: Connection, item: FeedItem, clock: HybridClock) -> None:
    """Apply one pulled change and move our clock past it."""
    clock.observe(item.change.hlc)
    apply_change(conn, item.change, item.origin_device_id)
