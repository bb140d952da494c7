"""Orders (facts, with their lines) and where each stands (its order_status record)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.sync.envelopes import OrderChange
from sync_server.repositories import Connection
from sync_server.repositories.bulk import insert_many

_SKIP = "ON CONFLICT DO NOTHING"


async def insert_orders(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[OrderChange],
) -> None:
    await insert_many(conn, "orders", [
        ("tenant_id", "uuid"), ("order_id", "uuid"), ("number", "int"), ("customer_id", "uuid"),
        ("customer_name", "text"), ("phone", "text"), ("fulfilment", "text"), ("address", "text"),
        ("notes", "text"), ("total", "bigint"), ("source", "text"), ("placed_at", "timestamptz"),
        ("device_id", "uuid"),
    ], [(tenant_id, o.id, o.number, o.customer_id, o.customer_name, o.phone, o.fulfilment,
         o.address, o.notes, o.total, o.source, o.placed_at, origin)
        for o in (c.payload for c in changes)], _SKIP)
    await insert_many(conn, "order_lines", [
        ("tenant_id", "uuid"), ("order_id", "uuid"), ("line_no", "int"), ("product_id", "uuid"),
        ("name", "text"), ("qty_milli", "bigint"), ("unit_price", "bigint"), ("total", "bigint"),
    ], [(tenant_id, c.payload.id, ln.line_no, ln.product_id, ln.name, ln.qty_milli, ln.unit_price,
         ln.total) for c in changes for ln in c.payload.lines], _SKIP)


async def next_number(conn: Connection, tenant_id: uuid.UUID) -> int:
    """The shop's next order number. Call with the tenant row locked (the feed head), so two
    orders placed at once never take the same one."""
    n: int = await conn.fetchval(
        "SELECT COALESCE(max(number), 0) + 1 FROM orders WHERE tenant_id = $1", tenant_id)
    return n


@dataclass(frozen=True, slots=True)
class OrderLine:
    line_no: int
    product_id: uuid.UUID | None
    name: str
    qty_milli: int
    unit_price: int
    total: int


@dataclass(frozen=True, slots=True)
class Order:
    order_id: uuid.UUID
    number: int
    customer_id: uuid.UUID | None
    customer_name: str
    phone: str | None
    fulfilment: str
    address: str | None
    notes: str | None
    total: int
    source: str
    placed_at: datetime
    status: str
    status_note: str | None
    status_at: datetime | None
    status_hlc: int
    lines: tuple[OrderLine, ...] = ()


_ORDER = """SELECT o.order_id, o.number, o.customer_id, o.customer_name, o.phone, o.fulfilment,
                   o.address, o.notes, o.total, o.source, o.placed_at,
                   COALESCE(s.status, 'recibido') AS status, s.note AS status_note,
                   s.changed_at AS status_at, COALESCE(s.hlc, 0) AS status_hlc
            FROM orders o
            LEFT JOIN order_statuses s ON s.tenant_id = o.tenant_id AND s.order_id = o.order_id
                                       AND NOT s.deleted
            WHERE o.tenant_id = $1"""


async def get(conn: Connection, tenant_id: uuid.UUID, order_id: uuid.UUID) -> Order | None:
    row = await conn.fetchrow(_ORDER + " AND o.order_id = $2", tenant_id, order_id)
    if row is None:
        return None
    lines = await _lines(conn, tenant_id, [order_id])
    return Order(**dict(row), lines=tuple(lines.get(order_id, ())))


async def by_number(conn: Connection, tenant_id: uuid.UUID, number: int) -> Order | None:
    order_id = await conn.fetchval(
        "SELECT order_id FROM orders WHERE tenant_id = $1 AND number = $2", tenant_id, number)
    return await get(conn, tenant_id, order_id) if order_id else None


async def listed(
    conn: Connection, tenant_id: uuid.UUID, statuses: Sequence[str],
    customer_id: uuid.UUID | None, limit: int,
) -> list[Order]:
    """Orders in any of ``statuses`` (of one customer, if given), newest first, with lines."""
    rows = await conn.fetch(
        _ORDER + """ AND COALESCE(s.status, 'recibido') = ANY($2::text[])
                     AND ($3::uuid IS NULL OR o.customer_id = $3)
                   ORDER BY o.placed_at DESC, o.number DESC LIMIT $4""",
        tenant_id, list(statuses), customer_id, limit)
    lines = await _lines(conn, tenant_id, [r["order_id"] for r in rows])
    return [Order(**dict(r), lines=tuple(lines.get(r["order_id"], ()))) for r in rows]


async def _lines(
    conn: Connection, tenant_id: uuid.UUID, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OrderLine]]:
    out: dict[uuid.UUID, list[OrderLine]] = {}
    rows = await conn.fetch(
        """SELECT order_id, line_no, product_id, name, qty_milli, unit_price, total
           FROM order_lines WHERE tenant_id = $1 AND order_id = ANY($2::uuid[])
           ORDER BY order_id, line_no""", tenant_id, list(order_ids))
    for r in rows:
        out.setdefault(r["order_id"], []).append(OrderLine(
            r["line_no"], r["product_id"], r["name"], r["qty_milli"], r["unit_price"], r["total"]))
    return out
