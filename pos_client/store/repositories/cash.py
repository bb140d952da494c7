"""Cash put into or taken out of the drawer (entradas and salidas), read per shift."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection, select

from pos_client.store.schema import cash_movements
from shared.corte import CashMove


def movements_of(conn: Connection, shift_id: uuid.UUID) -> tuple[CashMove, ...]:
    """The shift's movements in time order."""
    rows = conn.execute(
        select(cash_movements.c.direction, cash_movements.c.amount, cash_movements.c.reason,
               cash_movements.c.moved_at)
        .where(cash_movements.c.shift_id == str(shift_id)).order_by(cash_movements.c.moved_at))
    return tuple(CashMove(r.direction, int(r.amount), r.reason, datetime.fromisoformat(r.moved_at))
                 for r in rows)
