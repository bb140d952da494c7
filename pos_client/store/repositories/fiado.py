"""The fiado ledger read per customer: charges, abonos and returns credited to the account.

A balance is derived, never stored: charges − abonos − what returns of the customer's sales
credited back to the account (``sale_returns.refund_to_account``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from pos_client.store.repositories.customers import account_refunds
from pos_client.store.schema import fiado_charges, fiado_payments, sale_returns, sales

Dated = tuple[datetime, int]


def balance(conn: Connection, customer_id: uuid.UUID) -> int:
    """Charges minus abonos minus returns of fiado sales credited to the account."""
    key = str(customer_id)
    charged = select(func.coalesce(func.sum(fiado_charges.c.amount), 0)) \
        .where(fiado_charges.c.customer_id == key).scalar_subquery()
    paid = select(func.coalesce(func.sum(fiado_payments.c.amount), 0)) \
        .where(fiado_payments.c.customer_id == key).scalar_subquery()
    refunded = select(func.coalesce(func.sum(sale_returns.c.refund_to_account), 0)) \
        .select_from(sale_returns.join(sales, sales.c.id == sale_returns.c.sale_id)) \
        .where(sales.c.customer_id == key).scalar_subquery()
    return int(conn.execute(select(charged - paid - refunded)).scalar_one())


def charges_of(conn: Connection, customer_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Dated]]:
    """Each customer's charges as (when, amount), in no particular order."""
    out: dict[uuid.UUID, list[Dated]] = defaultdict(list)
    rows = conn.execute(select(fiado_charges.c.customer_id, fiado_charges.c.amount,
                               fiado_charges.c.charged_at)
                        .where(fiado_charges.c.customer_id.in_([str(i) for i in customer_ids])))
    for r in rows:
        out[uuid.UUID(r.customer_id)].append((datetime.fromisoformat(r.charged_at), int(r.amount)))
    return out


def taken_off(conn: Connection, customer_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """What came off each customer's debt: abonos, and returns credited to the account (which
    pay the oldest debt too)."""
    keys = [str(i) for i in customer_ids]
    out = {uuid.UUID(r.customer_id): int(r.paid) for r in conn.execute(
        select(fiado_payments.c.customer_id, func.sum(fiado_payments.c.amount).label("paid"))
        .where(fiado_payments.c.customer_id.in_(keys)).group_by(fiado_payments.c.customer_id))}
    for refund in account_refunds(conn, keys):
        key = uuid.UUID(refund.customer_id)
        out[key] = out.get(key, 0) + refund.amount
    return out


@dataclass(frozen=True, slots=True)
class Charge:
    at: datetime
    amount: int
    note: str | None
    sale_id: uuid.UUID | None
    folio: str | None  # of the sale charged, when it is on this till


@dataclass(frozen=True, slots=True)
class Abono:
    at: datetime
    amount: int
    method: str  # "fiado" only on rows from before returns credited the account themselves
    note: str | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class Credit:
    """A return of one of the customer's sales, credited to their account."""

    at: datetime
    amount: int
    folio: str


def charges(conn: Connection, customer_id: uuid.UUID) -> list[Charge]:
    rows = conn.execute(
        select(fiado_charges.c.amount, fiado_charges.c.charged_at, fiado_charges.c.note,
               fiado_charges.c.sale_id, sales.c.folio)
        .select_from(fiado_charges.outerjoin(sales, sales.c.id == fiado_charges.c.sale_id))
        .where(fiado_charges.c.customer_id == str(customer_id)))
    return [Charge(datetime.fromisoformat(r.charged_at), int(r.amount), r.note,
                   uuid.UUID(r.sale_id) if r.sale_id else None, r.folio) for r in rows]


def abonos(conn: Connection, customer_id: uuid.UUID) -> list[Abono]:
    rows = conn.execute(select(fiado_payments.c.amount, fiado_payments.c.paid_at,
                               fiado_payments.c.method, fiado_payments.c.note,
                               fiado_payments.c.reference)
                        .where(fiado_payments.c.customer_id == str(customer_id)))
    return [Abono(datetime.fromisoformat(r.paid_at), int(r.amount), r.method, r.note, r.reference)
            for r in rows]


def credited_returns(conn: Connection, customer_id: uuid.UUID) -> list[Credit]:
    return [Credit(datetime.fromisoformat(r.returned_at), r.amount, r.folio)
            for r in account_refunds(conn, [str(customer_id)])]
