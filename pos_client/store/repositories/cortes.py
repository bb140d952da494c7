"""What a shift took in and gave back, per payment form: the sums a corte adds up.

Sales, abonos and returns that name the shift count on it; abonos and returns that name no
shift (made before they carried one) count when made on the shift's device while it was open
(its window).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, or_, select

from pos_client.store.schema import fiado_payments, sale_payments, sale_returns, sales
from shared.sale import PaymentMethod


@dataclass(frozen=True, slots=True)
class Window:
    """Where and when a shift was open: its device, from its opening to its close (if any)."""

    device_id: str | None
    start: datetime
    end: datetime | None

    def holds(self, column: ColumnElement[Any]) -> list[ColumnElement[bool]]:
        # Timestamps this device wrote are all UTC isoformat strings, so they order as text.
        clauses: list[ColumnElement[bool]] = [column >= self.start.isoformat()]
        if self.end is not None:
            clauses.append(column <= self.end.isoformat())
        return clauses


def _by_method(conn: Connection, stmt: Select[Any]) -> dict[PaymentMethod, int]:
    """Run a (method, sum) query grouped by method; forms nobody used are absent."""
    return {PaymentMethod(method): int(total) for method, total in conn.execute(stmt)}


def sale_payments_by_method(conn: Connection, shift_id: uuid.UUID) -> dict[PaymentMethod, int]:
    return _by_method(conn, select(sale_payments.c.method, func.sum(sale_payments.c.amount))
                      .join(sales, sales.c.id == sale_payments.c.sale_id)
                      .where(sales.c.shift_id == str(shift_id)).group_by(sale_payments.c.method))


def sales_count_and_total(conn: Connection, shift_id: uuid.UUID) -> tuple[int, int]:
    count, total = conn.execute(
        select(func.count(), func.coalesce(func.sum(sales.c.total), 0))
        .where(sales.c.shift_id == str(shift_id))).one()
    return int(count), int(total)


def abonos_by_method(conn: Connection, shift_id: uuid.UUID, window: Window
                     ) -> dict[PaymentMethod, int]:
    """Abonos taken on the shift: those that name it, and those that name no shift (made
    before abonos carried one, or outside the counter) on its device while it was open."""
    no_shift = and_(fiado_payments.c.shift_id.is_(None),
                    fiado_payments.c.device_id == window.device_id,
                    *window.holds(fiado_payments.c.paid_at))
    return _by_method(conn, select(fiado_payments.c.method, func.sum(fiado_payments.c.amount))
                      .where(or_(fiado_payments.c.shift_id == str(shift_id), no_shift))
                      .group_by(fiado_payments.c.method))


@dataclass(frozen=True, slots=True)
class Refund:
    """A return of the shift, as stored: how much, by which method, and its account, card and
    transfer parts (shared.returns.refund_parts says where the money went)."""

    method: str
    amount: int
    to_account: int
    card: int = 0
    transfer: int = 0


def _of_shift(shift_id: uuid.UUID, window: Window) -> ColumnElement[bool]:
    """Returns that name the shift, and those that name none on its device in its window."""
    r = sale_returns.c
    return or_(r.shift_id == str(shift_id),
               and_(r.shift_id.is_(None), r.device_id == window.device_id,
                    *window.holds(r.returned_at)))


def refunds_of(conn: Connection, shift_id: uuid.UUID, window: Window) -> list[Refund]:
    r = sale_returns.c
    rows = conn.execute(select(r.refund_method, r.amount, r.refund_to_account, r.refund_card,
                               r.refund_transfer).where(_of_shift(shift_id, window)))
    return [Refund(x.refund_method, int(x.amount), int(x.refund_to_account or 0),
                   int(x.refund_card or 0), int(x.refund_transfer or 0)) for x in rows]


def returns_counts(conn: Connection, shift_id: uuid.UUID, window: Window) -> tuple[int, int]:
    """Returns of the shift, and how many of their tickets are now returned in full
    (a cancellation is a return of every line)."""
    sale_ids = [r.sale_id for r in conn.execute(
        select(sale_returns.c.sale_id).where(_of_shift(shift_id, window)))]
    if not sale_ids:
        return 0, 0
    returned = select(sale_returns.c.sale_id, func.sum(sale_returns.c.amount).label("back")) \
        .where(sale_returns.c.sale_id.in_(set(sale_ids))).group_by(sale_returns.c.sale_id).subquery()
    cancelled = conn.execute(
        select(func.count()).select_from(returned.join(sales, sales.c.id == returned.c.sale_id))
        .where(returned.c.back >= sales.c.total)).scalar_one()
    return len(sale_ids), int(cancelled)
