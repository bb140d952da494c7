"""Customers' orders the server made (facts): stored once, as they came; read with where each
stands (its order_statuses record) for the orders panel."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.sqlite import insert

from pos_client.store.schema import order_statuses, orders
from shared.orders import FINAL
from shared.sync.payloads import OrderLinePayload, OrderPayload

Origin = uuid.UUID | None


def insert_orders(conn: Connection, batch: Sequence[tuple[OrderPayload, Origin]]) -> None:
    """OR IGNORE: an order pulled twice is stored once."""
    conn.execute(insert(orders).prefix_with("OR IGNORE"), [
        {"id": str(o.id), "number": o.number,
         "customer_id": str(o.customer_id) if o.customer_id else None,
         "customer_name": o.customer_name, "phone": o.phone, "fulfilment": o.fulfilment,
         "address": o.address, "notes": o.notes,
         "lines": json.dumps([ln.model_dump(mode="json") for ln in o.lines]),
         "total": o.total, "source": o.source, "placed_at": o.placed_at.isoformat()}
        for o, _origin in batch
    ])


@dataclass(frozen=True)
class StoredOrder:
    payload: OrderPayload
    status: str  # where it stands on this till ("recibido" until a status record says more)
    note: str | None


def listed(conn: Connection, *, open_only: bool, limit: int = 100) -> list[StoredOrder]:
    """Orders newest first with their status; ``open_only``: not yet delivered, rejected or
    cancelled."""
    query = (select(orders, order_statuses.c.status, order_statuses.c.note.label("status_note"))
             .select_from(orders.outerjoin(order_statuses, order_statuses.c.id == orders.c.id))
             .order_by(orders.c.placed_at.desc()).limit(limit))
    if open_only:
        query = query.where(func.coalesce(order_statuses.c.status, "recibido").not_in(FINAL))
    return [_stored(r) for r in conn.execute(query)]


def get(conn: Connection, order_id: uuid.UUID) -> StoredOrder | None:
    row = conn.execute(
        select(orders, order_statuses.c.status, order_statuses.c.note.label("status_note"))
        .select_from(orders.outerjoin(order_statuses, order_statuses.c.id == orders.c.id))
        .where(orders.c.id == str(order_id))).first()
    return _stored(row) if row else None


_LINES: TypeAdapter[list[OrderLinePayload]] = TypeAdapter(list[OrderLinePayload])


def _stored(row: Any) -> StoredOrder:
    payload = OrderPayload(
        id=uuid.UUID(row.id), number=row.number,
        customer_id=uuid.UUID(row.customer_id) if row.customer_id else None,
        customer_name=row.customer_name, phone=row.phone, fulfilment=row.fulfilment,
        address=row.address, notes=row.notes,
        lines=_LINES.validate_json(row.lines),
        total=row.total, source=row.source, placed_at=datetime.fromisoformat(row.placed_at))
    return StoredOrder(payload, row.status or "recibido", row.status_note)
