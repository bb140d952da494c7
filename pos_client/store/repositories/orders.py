"""Customers' orders the server made (facts): stored once, as they came."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from sqlalchemy import Connection
from sqlalchemy.dialects.sqlite import insert

from pos_client.store.schema import orders
from shared.sync.payloads import OrderPayload

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
