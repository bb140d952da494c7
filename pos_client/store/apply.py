"""Apply changes to the local store: facts once, records by last writer, a whole page at a time."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, update

from pos_client.store import schema
from pos_client.store.repositories import (
    alerts,
    catalog,
    customers,
    facts,
    message_statuses,
    messages,
    operations,
    orders,
    plan,
)
from pos_client.store.repositories.lww import Edit
from shared.hlc import HybridClock
from shared.ids import SERVER_WRITER
from shared.sync.envelopes import Change, in_apply_order
from shared.sync.merge import LOWEST, compact
from shared.sync.protocol import FeedItem, ServerCopy

Origin = uuid.UUID | None


def _records(store: Callable[[Connection, Any], None]) -> Callable[[Connection, Any], None]:
    def apply(conn: Connection, batch: list[tuple[Any, Origin]]) -> None:
        store(conn, [Edit(c.payload, c.hlc, str(origin or SERVER_WRITER), c.op == "delete",
                          c.fields) for c, origin in batch])

    return apply


def _facts(store: Callable[[Connection, Any], None]) -> Callable[[Connection, Any], None]:
    def apply(conn: Connection, batch: list[tuple[Any, Origin]]) -> None:
        store(conn, [(c.payload, origin) for c, origin in batch])

    return apply


def _stamped(store: Callable[[Connection, Any], None]) -> Callable[[Connection, Any], None]:
    """Facts that move stock keep their change's hlc: stock orders them against counts."""
    def apply(conn: Connection, batch: list[tuple[Any, Origin]]) -> None:
        store(conn, [(c.payload, origin, c.hlc) for c, origin in batch])

    return apply


# In the wire's apply order (records before facts); every entity must have one.
_APPLY: dict[str, Callable[[Connection, list[tuple[Any, Origin]]], None]] = in_apply_order({
    "product": _records(catalog.upsert_many),
    "customer": _records(customers.upsert_many),
    "stock_alert": _records(alerts.upsert_many),
    "plan": _records(plan.upsert_many),
    "message_status": _records(message_statuses.upsert_many),
    "category": _records(operations.upsert_categories),
    "cashier": _records(operations.upsert_cashiers),
    "settings": _records(operations.upsert_settings),
    "order_status": _records(operations.upsert_order_statuses),
    "sale": _stamped(facts.insert_sales),
    "inventory_movement": _stamped(facts.insert_movements),
    "stock_count": _stamped(facts.insert_counts),
    "fiado_charge": _facts(customers.insert_charges),
    "fiado_payment": _facts(customers.insert_payments),
    "sale_return": _stamped(operations.insert_returns),
    "cash_movement": _facts(operations.insert_cash_movements),
    "shift_open": _facts(operations.insert_shift_opens),
    "shift_close": _facts(operations.insert_shift_closes),
    "audit_event": _facts(operations.insert_audit_events),
    "message_request": _facts(messages.insert_requests),
    "order": _facts(orders.insert_orders),
})


def apply_changes(conn: Connection, changes: Sequence[tuple[Change, Origin]]) -> None:
    """Apply changes to the local store; applying them again changes nothing.

    Grouped by entity so a page of 500 becomes a handful of statements, not thousands.
    """
    by_entity: dict[str, list[tuple[Change, Origin]]] = defaultdict(list)
    for change, origin in changes:
        by_entity[change.entity].append((change, origin))
    for entity, apply in _APPLY.items():
        if by_entity[entity]:
            apply(conn, by_entity[entity])


def apply_change(conn: Connection, change: Change, origin: Origin) -> None:
    """One change (a device's own, in its use case's transaction): straight to its entity."""
    _APPLY[change.entity](conn, [(change, origin)])


def apply_page(conn: Connection, items: Sequence[FeedItem], clock: HybridClock) -> None:
    """Apply a pulled page and move our clock past it."""
    for item in items:
        clock.observe(item.change.hlc)
    apply_changes(conn, [(item.change, item.origin_device_id) for item in items])


_RECORD_TABLES: dict[str, Table] = {
    "product": schema.products, "customer": schema.customers, "category": schema.categories,
    "cashier": schema.cashiers, "settings": schema.settings,
    "order_status": schema.order_statuses, "stock_alert": schema.stock_alerts,
    "plan": schema.shop_plan, "message_status": schema.message_statuses,
}


def put_server_copy(conn: Connection, refused: Change, copy: ServerCopy | None) -> bool:
    """The server refused this till's edit of a record: hold the record as the server does.

    Its copy replaces the row, values and every field's stamp, through the entity's own store
    (barcodes, stock triggers). Without a copy (the server never had the record) the row
    stays, its stamps lowered so any edit from elsewhere wins over the refused one. Returns
    whether the server's copy is in place."""
    table = _RECORD_TABLES[refused.entity]
    row = table.c.id == str(refused.payload.id)
    conn.execute(update(table).where(row).values(hlc=LOWEST[0], hlc_device=LOWEST[1],
                                                 field_stamps=None))
    if copy is None:
        return False
    record = copy.record
    whole = record.model_copy(update={"op": "upsert", "fields": None})
    apply_change(conn, whole, _writer(copy))
    if record.op == "delete":  # the tombstone through the store too, past the whole edit
        apply_change(conn, record.model_copy(update={"hlc": record.hlc + 1}), _writer(copy))
    stamps = compact({f: (h, str(w)) for f, (h, w) in copy.stamps.items()})
    conn.execute(update(table).where(row).values(
        hlc=stamps.newest[0], hlc_device=stamps.newest[1], field_stamps=stamps.encoded()))
    return True


def _writer(copy: ServerCopy) -> uuid.UUID:
    """The writer of the copy's newest stamp (the nil UUID: the server)."""
    return max(copy.stamps.values())[1]
