"""Facts: sales (with lines and payments), inventory movements and counts. Inserted once, never
changed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.sqlite import insert

from pos_client.store.database import driver
from pos_client.store.schema import inventory_movements, sale_lines, sale_payments, sales, stock_counts
from shared.sync.payloads import InventoryMovementPayload, SalePayload, StockCountPayload

# Plain driver SQL: these run in every sale's transaction. OR IGNORE on every table: a known
# sale's lines collide on (sale_id, line_no) too, so the stock triggers fire only for lines
# really added.
_SALES = ("INSERT OR IGNORE INTO sales (id, folio, device_id, sold_at, total, change, "
          "customer_id, cashier_id, shift_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
_LINES = ("INSERT OR IGNORE INTO sale_lines (sale_id, line_no, product_id, name, qty_milli, "
          "unit_price, total, iva, ieps_bp, discount, cost, hlc) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_PAYMENTS = ("INSERT OR IGNORE INTO sale_payments (sale_id, payment_no, method, amount, "
             "tendered, reference) VALUES (?, ?, ?, ?, ?, ?)")


def _opt(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None


def insert_sales(
    conn: Connection, batch: Sequence[tuple[SalePayload, uuid.UUID | None, int]]
) -> None:
    """Insert sales (payload, origin, the change's hlc) with their lines and payments; ones
    already here are left as they are. Lines keep the stamp: stock orders them by it."""
    cur = driver(conn)
    cur.executemany(_SALES, [
        (str(s.id), s.folio, str(origin) if origin else None, s.sold_at.isoformat(), s.total,
         s.change, _opt(s.customer_id), _opt(s.cashier_id), _opt(s.shift_id))
        for s, origin, _ in batch
    ])
    cur.executemany(_LINES, [
        (str(s.id), ln.line_no, str(ln.product_id) if ln.product_id else None, ln.name,
         ln.qty_milli, ln.unit_price, ln.total, ln.iva.value, ln.ieps_bp, ln.discount, ln.cost,
         hlc)
        for s, _, hlc in batch for ln in s.lines
    ])
    cur.executemany(_PAYMENTS, [
        (str(s.id), i, p.method.value, p.amount, p.tendered, p.reference)
        for s, _, _ in batch for i, p in enumerate(s.payments, start=1)
    ])


def insert_movements(
    conn: Connection, batch: Sequence[tuple[InventoryMovementPayload, uuid.UUID | None, int]]
) -> None:
    conn.execute(insert(inventory_movements).prefix_with("OR IGNORE"), [
        {"id": str(m.id), "product_id": str(m.product_id), "qty_milli": m.qty_milli,
         "reason": m.reason, "note": m.note, "device_id": str(origin) if origin else None,
         "moved_at": m.moved_at.isoformat(), "hlc": hlc}
        for m, origin, hlc in batch
    ])


def insert_counts(
    conn: Connection, batch: Sequence[tuple[StockCountPayload, uuid.UUID | None, int]]
) -> None:
    """Physical counts; a trigger recomputes the product's stock from the last one."""
    conn.execute(insert(stock_counts).prefix_with("OR IGNORE"), [
        {"id": str(c.id), "product_id": str(c.product_id), "counted_milli": c.counted_milli,
         "counted_at": c.counted_at.isoformat(), "note": c.note, "cashier_id": _opt(c.cashier_id),
         "device_id": str(origin) if origin else None, "hlc": hlc}
        for c, origin, hlc in batch
    ])


@dataclass(frozen=True, slots=True)
class SaleSummary:
    id: uuid.UUID
    folio: str
    sold_at: str
    total: int
    local: bool


def recent_sales(conn: Connection, this_device: uuid.UUID | None, limit: int = 50) -> list[SaleSummary]:
    rows = conn.execute(
        select(sales.c.id, sales.c.folio, sales.c.sold_at, sales.c.total, sales.c.device_id)
        .order_by(sales.c.sold_at.desc()).limit(limit)
    )
    mine = str(this_device) if this_device else None
    return [
        SaleSummary(uuid.UUID(r.id), r.folio, r.sold_at, r.total, r.device_id in (None, mine))
        for r in rows
    ]


def sale_count(conn: Connection) -> int:
    n: int = conn.execute(select(func.count()).select_from(sales)).scalar_one()
    return n


@dataclass(frozen=True, slots=True)
class SoldLine:
    line_no: int
    product_id: uuid.UUID | None
    qty_milli: int
    unit_price: int


def sale_lines_of(conn: Connection, sale_id: uuid.UUID) -> list[SoldLine]:
    rows = conn.execute(
        select(sale_lines.c.line_no, sale_lines.c.product_id, sale_lines.c.qty_milli,
               sale_lines.c.unit_price)
        .where(sale_lines.c.sale_id == str(sale_id)).order_by(sale_lines.c.line_no)
    )
    return [SoldLine(r.line_no, uuid.UUID(r.product_id) if r.product_id else None, r.qty_milli,
                     r.unit_price) for r in rows]


def payment_methods_of(conn: Connection, sale_id: uuid.UUID) -> set[str]:
    return set(conn.execute(select(sale_payments.c.method)
                            .where(sale_payments.c.sale_id == str(sale_id))).scalars())
