"""Customers and their fiado accounts: balance = charges − payments, derived on read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.sqlite import insert

from pos_client.store.repositories import lww
from pos_client.store.schema import customers, fiado_charges, fiado_payments
from shared.sync.wire import CustomerPayload, FiadoChargePayload, FiadoPaymentPayload


@dataclass(frozen=True, slots=True)
class CustomerBalance:
    id: uuid.UUID
    name: str
    phone: str | None
    credit_limit: int
    balance: int


def upsert_lww(
    conn: Connection, payload: CustomerPayload, hlc: int, writer: uuid.UUID, deleted: bool
) -> bool:
    values = {
        "id": str(payload.id), "name": payload.name, "phone": payload.phone,
        "credit_limit": payload.credit_limit, "active": int(payload.active),
        "deleted": int(deleted), "hlc": hlc, "hlc_device": str(writer),
    }
    return lww.upsert(conn, customers, values)


def insert_charge(conn: Connection, c: FiadoChargePayload, device_id: uuid.UUID | None) -> bool:
    return bool(conn.execute(insert(fiado_charges).prefix_with("OR IGNORE").values(
        id=str(c.id), customer_id=str(c.customer_id), amount=c.amount,
        sale_id=str(c.sale_id) if c.sale_id else None, note=c.note,
        device_id=str(device_id) if device_id else None, charged_at=c.charged_at.isoformat(),
    )).rowcount)


def insert_payment(conn: Connection, p: FiadoPaymentPayload, device_id: uuid.UUID | None) -> bool:
    return bool(conn.execute(insert(fiado_payments).prefix_with("OR IGNORE").values(
        id=str(p.id), customer_id=str(p.customer_id), amount=p.amount, method=p.method.value,
        note=p.note, device_id=str(device_id) if device_id else None,
        paid_at=p.paid_at.isoformat(),
    )).rowcount)


def balances(conn: Connection) -> list[CustomerBalance]:
    """Every active customer with what they owe, largest debt first."""
    charged = (select(func.coalesce(func.sum(fiado_charges.c.amount), 0))
               .where(fiado_charges.c.customer_id == customers.c.id).scalar_subquery())
    paid = (select(func.coalesce(func.sum(fiado_payments.c.amount), 0))
            .where(fiado_payments.c.customer_id == customers.c.id).scalar_subquery())
    balance = (charged - paid).label("balance")
    rows = conn.execute(
        select(customers.c.id, customers.c.name, customers.c.phone, customers.c.credit_limit,
               balance)
        .where(customers.c.deleted == 0, customers.c.active == 1)
        .order_by(balance.desc(), customers.c.name)
    )
    return [CustomerBalance(uuid.UUID(r.id), r.name, r.phone, r.credit_limit, r.balance)
            for r in rows]
