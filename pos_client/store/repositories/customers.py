"""Customers and their fiado accounts: balance = charges − abonos − returns credited to the
account (``sale_returns.refund_to_account`` of their fiado sales), derived on read."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, or_, select
from sqlalchemy.dialects.sqlite import insert

from pos_client.store.repositories import lww
from pos_client.store.repositories.lww import Edit
from pos_client.store.schema import customers, fiado_charges, fiado_payments, sale_returns, sales
from shared.sync.merge import record_fields
from shared.sync.payloads import CustomerPayload, FiadoChargePayload, FiadoPaymentPayload


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer record as stored (not deleted)."""

    id: uuid.UUID
    name: str
    phone: str | None
    credit_limit: int
    active: bool


def _customer(r: Row[Any]) -> Customer:
    return Customer(uuid.UUID(r.id), r.name, r.phone, int(r.credit_limit), bool(r.active))


def find(conn: Connection, customer_id: uuid.UUID) -> Customer | None:
    """The customer, unless deleted (an inactive one is still found: their account stands)."""
    row = conn.execute(select(customers).where(customers.c.id == str(customer_id),
                                               customers.c.deleted == 0)).first()
    return _customer(row) if row else None


def search(conn: Connection, text: str = "", active_only: bool = False) -> list[Customer]:
    """Customers whose name contains ``text``, or whose phone contains its digits, by name."""
    query = select(customers).where(customers.c.deleted == 0)
    if active_only:
        query = query.where(customers.c.active == 1)
    if text.strip():
        terms = [customers.c.name.like(f"%{text.strip()}%")]
        digits = re.sub(r"\D", "", text)
        if digits:
            terms.append(customers.c.phone.like(f"%{digits}%"))
        query = query.where(or_(*terms))
    return [_customer(r) for r in conn.execute(query.order_by(customers.c.name))]


@dataclass(frozen=True, slots=True)
class CustomerBalance:
    id: uuid.UUID
    name: str
    phone: str | None
    credit_limit: int
    balance: int


_FIELDS = record_fields(CustomerPayload)


def upsert_many(conn: Connection, edits: Sequence[Edit]) -> None:
    """Merge customer edits field by field (shared/sync/merge.py)."""
    lww.upsert_many(conn, customers, [
        e.row(_FIELDS, {"name": c.name, "phone": c.phone, "credit_limit": c.credit_limit,
                        "active": int(c.active)})
        for e in edits for c in [e.payload]
    ], _FIELDS)


def insert_charges(
    conn: Connection, charges: Sequence[tuple[FiadoChargePayload, uuid.UUID | None]]
) -> None:
    conn.execute(insert(fiado_charges).prefix_with("OR IGNORE"), [
        {"id": str(c.id), "customer_id": str(c.customer_id), "amount": c.amount,
         "sale_id": str(c.sale_id) if c.sale_id else None, "note": c.note,
         "device_id": str(origin) if origin else None, "charged_at": c.charged_at.isoformat()}
        for c, origin in charges
    ])


def insert_payments(
    conn: Connection, payments: Sequence[tuple[FiadoPaymentPayload, uuid.UUID | None]]
) -> None:
    conn.execute(insert(fiado_payments).prefix_with("OR IGNORE"), [
        {"id": str(p.id), "customer_id": str(p.customer_id), "amount": p.amount,
         "method": p.method.value, "note": p.note, "device_id": str(origin) if origin else None,
         "paid_at": p.paid_at.isoformat(), "cashier_id": str(p.cashier_id) if p.cashier_id else None,
         "shift_id": str(p.shift_id) if p.shift_id else None, "reference": p.reference}
        for p, origin in payments
    ])


def _refunded() -> Any:
    """Correlated on ``customers.id``: what returns of their sales gave back to the account."""
    return (select(func.coalesce(func.sum(sale_returns.c.refund_to_account), 0))
            .select_from(sale_returns.join(sales, sales.c.id == sale_returns.c.sale_id))
            .where(sales.c.customer_id == customers.c.id).scalar_subquery())


@dataclass(frozen=True, slots=True)
class AccountRefund:
    customer_id: str
    amount: int
    returned_at: str
    folio: str


def account_refunds(conn: Connection, customer_ids: Sequence[str]) -> list[AccountRefund]:
    """Returns credited to these customers' accounts, with the folio of the sale returned."""
    rows = conn.execute(
        select(sales.c.customer_id, sale_returns.c.refund_to_account, sale_returns.c.returned_at,
               sales.c.folio)
        .select_from(sale_returns.join(sales, sales.c.id == sale_returns.c.sale_id))
        .where(sales.c.customer_id.in_(list(customer_ids)), sale_returns.c.refund_to_account > 0))
    return [AccountRefund(*r) for r in rows]


def balances(conn: Connection) -> list[CustomerBalance]:
    """Every active customer with what they owe, largest debt first."""
    charged = (select(func.coalesce(func.sum(fiado_charges.c.amount), 0))
               .where(fiado_charges.c.customer_id == customers.c.id).scalar_subquery())
    paid = (select(func.coalesce(func.sum(fiado_payments.c.amount), 0))
            .where(fiado_payments.c.customer_id == customers.c.id).scalar_subquery())
    balance = (charged - paid - _refunded()).label("balance")
    rows = conn.execute(
        select(customers.c.id, customers.c.name, customers.c.phone, customers.c.credit_limit,
               balance)
        .where(customers.c.deleted == 0, customers.c.active == 1)
        .order_by(balance.desc(), customers.c.name)
    )
    return [CustomerBalance(uuid.UUID(r.id), r.name, r.phone, r.credit_limit, r.balance)
            for r in rows]


def account(conn: Connection, customer_id: uuid.UUID) -> CustomerBalance | None:
    """One active customer with their balance (charges − payments)."""
    charged = (select(func.coalesce(func.sum(fiado_charges.c.amount), 0))
               .where(fiado_charges.c.customer_id == customers.c.id).scalar_subquery())
    paid = (select(func.coalesce(func.sum(fiado_payments.c.amount), 0))
            .where(fiado_payments.c.customer_id == customers.c.id).scalar_subquery())
    r = conn.execute(
        select(customers.c.id, customers.c.name, customers.c.phone, customers.c.credit_limit,
               (charged - paid - _refunded()).label("balance"))
        .where(customers.c.id == str(customer_id), customers.c.deleted == 0,
               customers.c.active == 1)
    ).first()
    return CustomerBalance(uuid.UUID(r.id), r.name, r.phone, r.credit_limit, r.balance) if r else None
