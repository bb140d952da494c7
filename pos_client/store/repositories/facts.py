"""Facts: sales (with lines and payments) and inventory movements. Inserted once, never changed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.sqlite import insert

from pos_client.store.schema import inventory_movements, sale_lines, sale_payments, sales
from shared.sync.wire import InventoryMovementPayload, SalePayload


def insert_sale(conn: Connection, sale: SalePayload, device_id: uuid.UUID | None) -> bool:
    """Insert a sale once; False (and nothing written) if it is already here."""
    inserted = conn.execute(insert(sales).prefix_with("OR IGNORE").values(
        id=str(sale.id), folio=sale.folio, device_id=str(device_id) if device_id else None,
        sold_at=sale.sold_at.isoformat(), total=sale.total, change=sale.change,
    )).rowcount
    if not inserted:
        return False
    conn.execute(insert(sale_lines), [
        {"sale_id": str(sale.id), "line_no": ln.line_no,
         "product_id": str(ln.product_id) if ln.product_id else None, "name": ln.name,
         "qty_milli": ln.qty_milli, "unit_price": ln.unit_price, "total": ln.total,
         "iva": ln.iva.value, "ieps_bp": ln.ieps_bp}
        for ln in sale.lines
    ])
    conn.execute(insert(sale_payments), [
        {"sale_id": str(sale.id), "payment_no": i, "method": p.method.value, "amount": p.amount,
         "tendered": p.tendered, "reference": p.reference}
        for i, p in enumerate(sale.payments, start=1)
    ])
    return True


def insert_movement(
    conn: Connection, movement: InventoryMovementPayload, device_id: uuid.UUID | None
) -> bool:
    return bool(conn.execute(insert(inventory_movements).prefix_with("OR IGNORE").values(
        id=str(movement.id), product_id=str(movement.product_id), qty_milli=movement.qty_milli,
        reason=movement.reason, note=movement.note,
        device_id=str(device_id) if device_id else None, moved_at=movement.moved_at.isoformat(),
    )).rowcount)


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
