"""Returns and cancellations, cash in and out, shifts (facts); categories, cashiers, settings and
order status (records, merged field by field)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects.sqlite import insert

from pos_client.store.database import driver
from pos_client.store.repositories import lww
from pos_client.store.repositories.lww import Edit
from pos_client.store.schema import (
    audit_events,
    cash_movements,
    cashiers,
    categories,
    order_statuses,
    sale_return_lines,
    sale_returns,
    settings,
    shift_closes,
    shifts,
)
from shared.sync.merge import record_fields
from shared.sync.payloads import (
    AuditEventPayload,
    CashierPayload,
    CashMovementPayload,
    CategoryPayload,
    OrderStatusPayload,
    SaleReturnPayload,
    SettingsPayload,
    ShiftClosePayload,
    ShiftOpenPayload,
    Wire,
)

Origin = uuid.UUID | None


def _dev(origin: Origin) -> str | None:
    return str(origin) if origin else None


def insert_returns(
    conn: Connection, batch: Sequence[tuple[SaleReturnPayload, Origin, int]]
) -> None:
    """(payload, origin, the change's hlc). OR IGNORE on the lines too, so a known return's
    stock is never counted back twice; lines keep the stamp (stock orders by it)."""
    conn.execute(insert(sale_returns).prefix_with("OR IGNORE"), [
        {"id": str(r.id), "sale_id": str(r.sale_id), "amount": r.amount,
         "refund_method": r.refund_method.value, "reason": r.reason,
         "cashier_id": str(r.cashier_id) if r.cashier_id else None, "device_id": _dev(origin),
         "returned_at": r.returned_at.isoformat(), "refund_to_account": r.refund_to_account,
         "refund_card": r.refund_card, "refund_transfer": r.refund_transfer,
         "refund_reference": r.refund_reference,
         "shift_id": str(r.shift_id) if r.shift_id else None}
        for r, origin, _ in batch
    ])
    conn.execute(insert(sale_return_lines).prefix_with("OR IGNORE"), [
        {"return_id": str(r.id), "line_no": ln.line_no,
         "product_id": str(ln.product_id) if ln.product_id else None,
         "qty_milli": ln.qty_milli, "amount": ln.amount, "hlc": hlc}
        for r, _, hlc in batch for ln in r.lines
    ])


def returned_qty(conn: Connection, sale_id: uuid.UUID) -> dict[int, int]:
    """Sale line number → quantity already returned, across every device's returns."""
    rows = conn.execute(
        select(sale_return_lines.c.line_no, func.sum(sale_return_lines.c.qty_milli))
        .join(sale_returns, sale_returns.c.id == sale_return_lines.c.return_id)
        .where(sale_returns.c.sale_id == str(sale_id)).group_by(sale_return_lines.c.line_no)
    )
    return {line_no: int(qty) for line_no, qty in rows}


def insert_cash_movements(
    conn: Connection, batch: Sequence[tuple[CashMovementPayload, Origin]]
) -> None:
    conn.execute(insert(cash_movements).prefix_with("OR IGNORE"), [
        {"id": str(m.id), "shift_id": str(m.shift_id) if m.shift_id else None,
         "direction": m.direction, "amount": m.amount, "reason": m.reason,
         "device_id": _dev(origin), "moved_at": m.moved_at.isoformat(),
         "cashier_id": str(m.cashier_id) if m.cashier_id else None}
        for m, origin in batch
    ])


def insert_shift_opens(conn: Connection, batch: Sequence[tuple[ShiftOpenPayload, Origin]]) -> None:
    conn.execute(insert(shifts).prefix_with("OR IGNORE"), [
        {"id": str(s.id), "cashier_id": str(s.cashier_id) if s.cashier_id else None,
         "float_amount": s.float_amount, "device_id": _dev(origin),
         "opened_at": s.opened_at.isoformat()}
        for s, origin in batch
    ])


def insert_shift_closes(
    conn: Connection, batch: Sequence[tuple[ShiftClosePayload, Origin]]
) -> None:
    conn.execute(insert(shift_closes).prefix_with("OR IGNORE"), [
        {"id": str(s.id), "shift_id": str(s.shift_id),
         "counted": json.dumps([{"method": c.method.value, "amount": c.amount} for c in s.counted]),
         "note": s.note, "device_id": _dev(origin), "closed_at": s.closed_at.isoformat()}
        for s, origin in batch
    ])


def insert_audit_events(conn: Connection, batch: Sequence[tuple[AuditEventPayload, Origin]]) -> None:
    conn.execute(insert(audit_events).prefix_with("OR IGNORE"), [
        {"id": str(a.id), "action": a.action, "cashier_id": _opt(a.cashier_id),
         "authorized_by": _opt(a.authorized_by), "subject_id": _opt(a.subject_id),
         "detail": a.detail, "device_id": _dev(origin), "at": a.at.isoformat()}
        for a, origin in batch
    ])


def _opt(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None


def _records(
    table: Table, payload: type[Wire], values: Callable[[Any], dict[str, Any]]
) -> Callable[[Connection, Sequence[Edit]], None]:
    """A record table whose columns are named like its payload's fields."""
    fields = record_fields(payload)

    def upsert(conn: Connection, edits: Sequence[Edit]) -> None:
        lww.upsert_many(conn, table, [e.row(fields, values(e.payload)) for e in edits], fields)

    return upsert


upsert_categories = _records(categories, CategoryPayload,
                             lambda p: {"name": p.name, "active": int(p.active)})
upsert_cashiers = _records(cashiers, CashierPayload, lambda p: {
    "name": p.name, "role": p.role, "pin_hash": p.pin_hash, "active": int(p.active)})
upsert_settings = _records(settings, SettingsPayload, lambda p: {
    "shop_name": p.shop_name, "address": p.address, "phone": p.phone, "rfc": p.rfc,
    "timezone": p.timezone, "receipt_footer": p.receipt_footer,
    "permissions": json.dumps(p.permissions) if p.permissions is not None else None})
upsert_order_statuses = _records(order_statuses, OrderStatusPayload, lambda p: {
    "status": p.status, "note": p.note, "changed_at": p.changed_at.isoformat()})


def open_shift_of(conn: Connection, device_id: uuid.UUID) -> uuid.UUID | None:
    """This device's shift that has been opened and not yet closed (corte Z), if any."""
    shift_id = conn.execute(
        select(shifts.c.id).where(shifts.c.device_id == str(device_id),
                                  shifts.c.id.not_in(select(shift_closes.c.shift_id)))
        .order_by(shifts.c.opened_at.desc()).limit(1)
    ).scalar()
    return uuid.UUID(shift_id) if shift_id else None


# In every sale's transaction: plain driver SQL (a Core select built per call cost more than
# the rest of the sale's statements together).
_SHIFT_OPEN = ("SELECT 1 FROM shifts WHERE id = ? AND device_id = ? "
               "AND NOT EXISTS (SELECT 1 FROM shift_closes WHERE shift_id = ?)")


def shift_is_open(conn: Connection, shift_id: uuid.UUID, device_id: uuid.UUID) -> bool:
    """``shift_id`` is this device's and has no corte Z yet."""
    return driver(conn).execute(
        _SHIFT_OPEN, (str(shift_id), str(device_id), str(shift_id))).fetchone() is not None
