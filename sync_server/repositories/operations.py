"""Cash in and out, shifts, audit events (facts); categories, cashiers, settings and order status
(records, merged field by field)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from shared.sync.envelopes import (
    AuditEventChange,
    CashierChange,
    CashMovementChange,
    CategoryChange,
    Change,
    OrderStatusChange,
    SettingsChange,
    ShiftCloseChange,
    ShiftOpenChange,
)
from shared.sync.merge import record_fields
from shared.sync.payloads import (
    CashierPayload,
    CategoryPayload,
    OrderStatusPayload,
    SettingsPayload,
    Wire,
)
from sync_server.repositories import Connection
from sync_server.repositories.bulk import insert_many
from sync_server.repositories.records import Column, edit_of, upsert_merged

Origin = uuid.UUID | None
_SKIP = "ON CONFLICT DO NOTHING"


async def insert_cash_movements(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin,
    changes: Sequence[CashMovementChange],
) -> None:
    await insert_many(conn, "cash_movements", [
        ("tenant_id", "uuid"), ("movement_id", "uuid"), ("shift_id", "uuid"), ("direction", "text"),
        ("amount", "bigint"), ("reason", "text"), ("device_id", "uuid"), ("moved_at", "timestamptz"),
        ("cashier_id", "uuid"),
    ], [(tenant_id, m.id, m.shift_id, m.direction, m.amount, m.reason, origin, m.moved_at,
         m.cashier_id) for m in (c.payload for c in changes)], _SKIP)


async def insert_shift_opens(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin,
    changes: Sequence[ShiftOpenChange],
) -> None:
    await insert_many(conn, "shifts", [
        ("tenant_id", "uuid"), ("shift_id", "uuid"), ("cashier_id", "uuid"),
        ("float_amount", "bigint"), ("device_id", "uuid"), ("opened_at", "timestamptz"),
    ], [(tenant_id, s.id, s.cashier_id, s.float_amount, origin, s.opened_at)
        for s in (c.payload for c in changes)], _SKIP)


async def insert_shift_closes(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin,
    changes: Sequence[ShiftCloseChange],
) -> None:
    await insert_many(conn, "shift_closes", [
        ("tenant_id", "uuid"), ("close_id", "uuid"), ("shift_id", "uuid"), ("counted", "jsonb"),
        ("note", "text"), ("device_id", "uuid"), ("closed_at", "timestamptz"),
    ], [(tenant_id, s.id, s.shift_id,
         json.dumps([{"method": x.method.value, "amount": x.amount} for x in s.counted]),
         s.note, origin, s.closed_at) for s in (c.payload for c in changes)], _SKIP)


async def _merge(conn: Connection, tenant_id: uuid.UUID, origin: Origin, table: str, key: str,
                 payload: type[Wire], columns: Sequence[Column],
                 changes: Sequence[Change], values: Callable[[Any], dict[str, Any]]) -> None:
    """A record table whose columns are named like its payload's fields (``deleted`` too)."""
    fields = record_fields(payload)
    await upsert_merged(conn, tenant_id, table, key, [*columns, ("deleted", "boolean")], fields,
                        [edit_of(c, origin, fields, values(c.payload)) for c in changes])


async def upsert_categories(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin, changes: Sequence[CategoryChange]
) -> None:
    await _merge(conn, tenant_id, origin, "categories", "category_id", CategoryPayload,
                 [("name", "text"), ("active", "boolean")], changes,
                 lambda p: {"name": p.name, "active": p.active})


async def upsert_cashiers(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin, changes: Sequence[CashierChange]
) -> None:
    await _merge(conn, tenant_id, origin, "cashiers", "cashier_id", CashierPayload,
                 [("name", "text"), ("role", "text"), ("pin_hash", "text"), ("active", "boolean")],
                 changes, lambda p: {"name": p.name, "role": p.role, "pin_hash": p.pin_hash,
                                     "active": p.active})


async def upsert_settings(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin, changes: Sequence[SettingsChange]
) -> None:
    await _merge(conn, tenant_id, origin, "shop_settings", "settings_id", SettingsPayload, [
        ("shop_name", "text"), ("address", "text"), ("phone", "text"), ("rfc", "text"),
        ("timezone", "text"), ("receipt_footer", "text"), ("permissions", "jsonb"),
    ], changes, lambda s: {
        "shop_name": s.shop_name, "address": s.address, "phone": s.phone, "rfc": s.rfc,
        "timezone": s.timezone, "receipt_footer": s.receipt_footer,
        "permissions": json.dumps(s.permissions) if s.permissions is not None else None})


async def upsert_order_statuses(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin,
    changes: Sequence[OrderStatusChange],
) -> None:
    await _merge(conn, tenant_id, origin, "order_statuses", "order_id", OrderStatusPayload,
                 [("status", "text"), ("note", "text"), ("changed_at", "timestamptz")], changes,
                 lambda p: {"status": p.status, "note": p.note, "changed_at": p.changed_at})


async def insert_audit_events(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin,
    changes: Sequence[AuditEventChange],
) -> None:
    await insert_many(conn, "audit_events", [
        ("tenant_id", "uuid"), ("event_id", "uuid"), ("action", "text"), ("cashier_id", "uuid"),
        ("authorized_by", "uuid"), ("subject_id", "uuid"), ("detail", "text"),
        ("device_id", "uuid"), ("at", "timestamptz"),
    ], [(tenant_id, a.id, a.action, a.cashier_id, a.authorized_by, a.subject_id, a.detail,
         origin, a.at) for a in (c.payload for c in changes)], _SKIP)


async def existing_shifts(
    conn: Connection, tenant_id: uuid.UUID, shift_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of ``shift_ids`` the shop has opened."""
    rows = await conn.fetch(
        "SELECT shift_id FROM shifts WHERE tenant_id = $1 AND shift_id = ANY($2::uuid[])",
        tenant_id, list(shift_ids))
    return {r["shift_id"] for r in rows}
