"""Cash in and out, shifts, audit events (facts); categories, cashiers, settings and order status
(records, last writer wins)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from shared.ids import SERVER_WRITER
from shared.sync.envelopes import (
    AuditEventChange,
    CashierChange,
    CashMovementChange,
    CategoryChange,
    OrderStatusChange,
    SettingsChange,
    ShiftCloseChange,
    ShiftOpenChange,
)
from sync_server.repositories import Connection
from sync_server.repositories.bulk import insert_many, upsert_newest

Origin = uuid.UUID | None
_SKIP = "ON CONFLICT DO NOTHING"
_STAMP = [("deleted", "boolean"), ("hlc", "bigint"), ("hlc_device", "uuid")]


async def insert_cash_movements(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin,
    changes: Sequence[CashMovementChange],
) -> None:
    await insert_many(conn, "cash_movements", [
        ("tenant_id", "uuid"), ("movement_id", "uuid"), ("shift_id", "uuid"), ("direction", "text"),
        ("amount", "bigint"), ("reason", "text"), ("device_id", "uuid"), ("moved_at", "timestamptz"),
    ], [(tenant_id, m.id, m.shift_id, m.direction, m.amount, m.reason, origin, m.moved_at)
        for m in (c.payload for c in changes)], _SKIP)


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


async def upsert_categories(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin, changes: Sequence[CategoryChange]
) -> None:
    await upsert_newest(conn, "categories", "category_id", [
        ("tenant_id", "uuid"), ("category_id", "uuid"), ("name", "text"), ("active", "boolean"),
        *_STAMP,
    ], [(tenant_id, c.payload.id, c.payload.name, c.payload.active, c.op == "delete", c.hlc,
         origin or SERVER_WRITER) for c in changes])


async def upsert_cashiers(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin, changes: Sequence[CashierChange]
) -> None:
    await upsert_newest(conn, "cashiers", "cashier_id", [
        ("tenant_id", "uuid"), ("cashier_id", "uuid"), ("name", "text"), ("role", "text"),
        ("pin_hash", "text"), ("active", "boolean"), *_STAMP,
    ], [(tenant_id, c.payload.id, c.payload.name, c.payload.role, c.payload.pin_hash,
         c.payload.active, c.op == "delete", c.hlc, origin or SERVER_WRITER) for c in changes])


async def upsert_settings(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin, changes: Sequence[SettingsChange]
) -> None:
    await upsert_newest(conn, "shop_settings", "settings_id", [
        ("tenant_id", "uuid"), ("settings_id", "uuid"), ("shop_name", "text"), ("address", "text"),
        ("phone", "text"), ("rfc", "text"), ("timezone", "text"), ("receipt_footer", "text"),
        ("permissions", "jsonb"), *_STAMP,
    ], [(tenant_id, s.id, s.shop_name, s.address, s.phone, s.rfc, s.timezone, s.receipt_footer,
         json.dumps(s.permissions) if s.permissions is not None else None,
         c.op == "delete", c.hlc, origin or SERVER_WRITER)
        for c in changes for s in [c.payload]])


async def upsert_order_statuses(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin,
    changes: Sequence[OrderStatusChange],
) -> None:
    await upsert_newest(conn, "order_statuses", "order_id", [
        ("tenant_id", "uuid"), ("order_id", "uuid"), ("status", "text"), ("note", "text"),
        ("changed_at", "timestamptz"), *_STAMP,
    ], [(tenant_id, c.payload.id, c.payload.status, c.payload.note, c.payload.changed_at,
         c.op == "delete", c.hlc, origin or SERVER_WRITER) for c in changes])


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
