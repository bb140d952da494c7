"""Shifts: who opened them with what float, which one is open on a till, and their closes (corte Z)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, func, select, update

from pos_client.store.repositories.operations import open_shift_of
from pos_client.store.schema import cashiers, shift_closes, shifts
from shared.corte import ShiftInfo
from shared.sale import PaymentMethod


def _query() -> Select[Any]:
    return (select(shifts.c.id, shifts.c.float_amount, shifts.c.device_id, shifts.c.opened_at,
                   cashiers.c.name.label("cashier_name"))
            .select_from(shifts.outerjoin(cashiers, cashiers.c.id == shifts.c.cashier_id)))


def _info(row: Row[Any]) -> ShiftInfo:
    return ShiftInfo(uuid.UUID(row.id), row.cashier_name, int(row.float_amount), row.device_id,
                     datetime.fromisoformat(row.opened_at))


def adopt_open(conn: Connection, old_device: str, new_device: uuid.UUID) -> int:
    """Shifts still open under this store's previous device id move to its new one (the same
    drawer, paired again): sales go on on them and their corte is made here. How many."""
    return conn.execute(
        update(shifts).where(shifts.c.device_id == old_device,
                             shifts.c.id.not_in(select(shift_closes.c.shift_id)))
        .values(device_id=str(new_device))).rowcount


def shift(conn: Connection, shift_id: uuid.UUID) -> ShiftInfo | None:
    row = conn.execute(_query().where(shifts.c.id == str(shift_id))).first()
    return _info(row) if row else None


def open_on(conn: Connection, device_id: uuid.UUID) -> ShiftInfo | None:
    """The device's open shift (opened and not closed), the latest if somehow several."""
    shift_id = open_shift_of(conn, device_id)
    return shift(conn, shift_id) if shift_id else None


@dataclass(frozen=True, slots=True)
class ShiftClose:
    counted: dict[PaymentMethod, int]
    note: str | None
    closed_at: datetime


def close_of(conn: Connection, shift_id: uuid.UUID) -> ShiftClose | None:
    """The shift's close, if it has one (the first, should two tills ever have closed it)."""
    row = conn.execute(
        select(shift_closes.c.counted, shift_closes.c.note, shift_closes.c.closed_at)
        .where(shift_closes.c.shift_id == str(shift_id)).order_by(shift_closes.c.closed_at).limit(1)
    ).first()
    if row is None:
        return None
    counted = {PaymentMethod(c["method"]): int(c["amount"]) for c in json.loads(row.counted)}
    return ShiftClose(counted, row.note, datetime.fromisoformat(row.closed_at))


def closed_ids(conn: Connection, limit: int) -> list[uuid.UUID]:
    """The latest closed shifts of every device this one knows of, newest close first."""
    ids = conn.execute(
        select(shift_closes.c.shift_id).join(shifts, shifts.c.id == shift_closes.c.shift_id)
        .group_by(shift_closes.c.shift_id)
        .order_by(func.min(shift_closes.c.closed_at).desc()).limit(limit)).scalars().all()
    return [uuid.UUID(i) for i in ids]
