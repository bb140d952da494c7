"""Any stored record as its wire payload: what an edit is compared with, to name only the fields
it changes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, select

from pos_client.store import schema
from pos_client.store.repositories import catalog
from shared.sync.envelopes import ENTITIES
from shared.sync.payloads import Wire


@dataclass(frozen=True, slots=True)
class Stored:
    payload: Wire
    deleted: bool


_TABLES: Mapping[str, Table] = {
    "product": schema.products, "customer": schema.customers, "category": schema.categories,
    "cashier": schema.cashiers, "settings": schema.settings,
    "order_status": schema.order_statuses, "stock_alert": schema.stock_alerts,
}
# Columns kept in another form than the payload's.
_READ: Mapping[str, Callable[[Any], Any]] = {"permissions": lambda v: None if v is None else json.loads(v)}


def stored(conn: Connection, entity: str, record_id: uuid.UUID) -> Stored | None:
    """The record as this till holds it, or None when it has never heard of it."""
    table = _TABLES[entity]
    row = conn.execute(select(table).where(table.c.id == str(record_id))).first()
    if row is None:
        return None
    if entity == "product":
        product = catalog.payload(conn, record_id)
        assert product is not None
        return Stored(product, bool(row.deleted))
    spec = ENTITIES[entity]
    values = {f: _READ.get(f, _same)(getattr(row, f)) for f in spec.payload.model_fields
              if f in table.c}
    deleted = bool(row.deleted) if "deleted" in table.c else False
    return Stored(spec.payload.model_validate(values, strict=False), deleted)


def _same(value: Any) -> Any:
    return value
