"""Returns and cancellations: a new fact pointing at the sale; stock comes back, money goes back
in proportion to what was paid, and a fiado sale's refund goes back to the customer's account.

Also the reads the sales history needs (what was sold, what is left to return). Their SQL sits
here, not in a repository module, only because this change may not add one; it is all in the
``_q_*`` functions so that moving it is mechanical.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from pos_client.services import local, staff
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.schema import (
    cashiers,
    products,
    sale_lines,
    sale_payments,
    sale_return_lines,
    sale_returns,
    sales,
)
from shared.clock import utc_now
from shared.errors import DomainError, InvalidQuantity
from shared.folio import FOLIO_DIGITS, folio_ending
from shared.ids import new_uuid7
from shared.money import div_round_half_up
from shared.permissions import Permission
from shared.quantity import QTY_SCALE
from shared.returns import ReturnableSale, ReturnedQty, SoldLine, return_refusal
from shared.sale import PaymentMethod
from shared.sync.payloads import SaleReturnLinePayload, SaleReturnPayload
from shared.tax import IvaRate


class NothingToReturn(DomainError):
    code = "nothing_to_return"


class ReasonRequired(DomainError):
    code = "reason_required"


@dataclass(frozen=True, slots=True)
class StoredLine:
    """A sale line as stored, with how much of it has been returned so far."""

    line_no: int
    product_id: uuid.UUID | None
    name: str
    qty_milli: int
    unit_price: int
    discount: int
    total: int
    iva: IvaRate
    ieps_bp: int
    by_weight: bool
    returned_qty: int = 0
    returned_amount: int = 0

    @property
    def qty_left(self) -> int:
        return self.qty_milli - self.returned_qty


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One sale in the history list."""

    sale_id: uuid.UUID
    folio: str
    sold_at: str
    total: int
    cashier: str | None
    returned: int  # centavos refunded so far
    status: str  # "", "devuelta" (partly) or "cancelada" (nothing left)


# ---- reads ----------------------------------------------------------------------------------


def _q_lines(conn: Connection, sale_id: uuid.UUID) -> list[StoredLine]:
    back = (select(sale_return_lines.c.line_no, func.sum(sale_return_lines.c.qty_milli).label("qty"),
                   func.sum(sale_return_lines.c.amount).label("amount"))
            .join(sale_returns, sale_returns.c.id == sale_return_lines.c.return_id)
            .where(sale_returns.c.sale_id == str(sale_id))
            .group_by(sale_return_lines.c.line_no).subquery())
    rows = conn.execute(
        select(sale_lines, products.c.sold_by_weight, back.c.qty.label("r_qty"),
               back.c.amount.label("r_amount"))
        .outerjoin(products, products.c.id == sale_lines.c.product_id)
        .outerjoin(back, back.c.line_no == sale_lines.c.line_no)
        .where(sale_lines.c.sale_id == str(sale_id)).order_by(sale_lines.c.line_no))
    return [StoredLine(
        r.line_no, uuid.UUID(r.product_id) if r.product_id else None, r.name, r.qty_milli,
        r.unit_price, r.discount or 0, r.total, IvaRate(r.iva), r.ieps_bp or 0,
        # A line whose product is gone (or "común") is by weight if its quantity is fractional.
        bool(r.sold_by_weight) if r.sold_by_weight is not None else r.qty_milli % QTY_SCALE != 0,
        int(r.r_qty or 0), int(r.r_amount or 0)) for r in rows]


def _q_sale(conn: Connection, sale_id: uuid.UUID) -> tuple[str, str | None] | None:
    row = conn.execute(select(sales.c.folio, sales.c.customer_id)
                       .where(sales.c.id == str(sale_id))).first()
    return (row.folio, row.customer_id) if row else None


def _q_paid(conn: Connection, sale_id: uuid.UUID) -> dict[str, int]:
    rows = conn.execute(select(sale_payments.c.method, func.sum(sale_payments.c.amount))
                        .where(sale_payments.c.sale_id == str(sale_id))
                        .group_by(sale_payments.c.method))
    return {method: int(amount) for method, amount in rows}


def _q_refunded(conn: Connection, sale_id: uuid.UUID) -> tuple[int, int]:
    """(refunded so far, of it credited to the customer's account) by the sale's returns."""
    row = conn.execute(select(func.coalesce(func.sum(sale_returns.c.amount), 0),
                              func.coalesce(func.sum(sale_returns.c.refund_to_account), 0))
                       .where(sale_returns.c.sale_id == str(sale_id))).one()
    return int(row[0]), int(row[1])


def stored_lines(conn: Connection, sale_id: uuid.UUID) -> list[StoredLine]:
    return _q_lines(conn, sale_id)


def returnable_lines(db: Database, sale_id: uuid.UUID) -> list[StoredLine]:
    with db.read() as conn:
        return _q_lines(conn, sale_id)


def sale_history(db: Database, folio: str = "", limit: int = 200) -> list[HistoryRow]:
    """The latest sales, newest first. ``folio`` narrows them: the number alone finds that
    folio of any till ("42" finds T1A2B3C-000042), other text finds folios containing it."""
    sold = (select(sale_lines.c.sale_id, func.sum(sale_lines.c.qty_milli).label("qty"))
            .group_by(sale_lines.c.sale_id).subquery())
    back = (select(sale_returns.c.sale_id, func.sum(sale_return_lines.c.qty_milli).label("qty"),
                   func.sum(sale_return_lines.c.amount).label("amount"))
            .join(sale_return_lines, sale_return_lines.c.return_id == sale_returns.c.id)
            .group_by(sale_returns.c.sale_id).subquery())
    query = (select(sales.c.id, sales.c.folio, sales.c.sold_at, sales.c.total, cashiers.c.name,
                    sold.c.qty.label("sold"), back.c.qty.label("back"), back.c.amount)
             .outerjoin(cashiers, cashiers.c.id == sales.c.cashier_id)
             .outerjoin(sold, sold.c.sale_id == sales.c.id)
             .outerjoin(back, back.c.sale_id == sales.c.id)
             .order_by(sales.c.sold_at.desc()).limit(limit))
    wanted = folio.strip()
    if wanted.isdigit() and len(wanted) <= FOLIO_DIGITS:
        query = query.where(sales.c.folio.endswith(folio_ending(int(wanted))))
    elif wanted:
        query = query.where(sales.c.folio.contains(wanted.upper(), autoescape=True))
    with db.read() as conn:
        rows = conn.execute(query).all()
    return [HistoryRow(uuid.UUID(r.id), r.folio, r.sold_at, r.total, r.name, int(r.amount or 0),
                       "" if not r.back else "cancelada" if r.back >= (r.sold or 0) else "devuelta")
            for r in rows]


# ---- the money -------------------------------------------------------------------------------


def refund_share(line: StoredLine, qty_milli: int) -> int:
    """What ``qty_milli`` more of ``line`` gives back: its share of the line's total (after the
    line's discount), rounded half up. Shares are cumulative (what the line's returns add up
    to after this one, minus what was already given back), so returning the whole line gives
    back exactly its total and partial returns never add up to more."""
    after = div_round_half_up(line.total * (line.returned_qty + qty_milli), line.qty_milli)
    return max(0, min(line.total, after) - line.returned_amount)


def split_refund(amount: int, fiado_paid: int, refunded_before: int) -> tuple[int, int]:
    """(to the customer's account, cash out of the drawer) for a refund of ``amount``.

    The rule for a sale paid partly on fiado: refunds go to the account first, until the
    fiado part is all given back; only then is cash paid out. The customer then never gets
    cash for goods they have not paid for. Earlier returns count, so the order they happen
    in doesn't change the split.
    """
    account_before = min(refunded_before, fiado_paid)
    account_after = min(refunded_before + amount, fiado_paid)
    to_account = account_after - account_before
    return to_account, amount - to_account



# ---- the use case ----------------------------------------------------------------------------


def _asked(sold: list[StoredLine], wanted: dict[int, int]) -> list[tuple[ReturnedQty, int]]:
    """What the cashier asked to return, by line, with what each gives back. Whether the sale
    allows it is shared.returns' to say (a line the sale lacks gives back nothing here)."""
    by_no = {ln.line_no: ln for ln in sold}
    asked = []
    for line_no, qty in sorted(wanted.items()):
        if qty < 0:
            raise InvalidQuantity("La cantidad a devolver no puede ser negativa.")
        ln = by_no.get(line_no)
        if qty:
            asked.append((ReturnedQty(line_no, ln.product_id if ln else None, qty),
                          refund_share(ln, qty) if ln else 0))
    if not asked:
        raise NothingToReturn("No hay nada que devolver de esa venta.")
    return asked


def return_sale(
    db: Database, device: Device, sale_id: uuid.UUID, reason: str,
    quantities: dict[int, int] | None = None, cashier_id: uuid.UUID | None = None,
    *, authorized_by: uuid.UUID | None = None,
) -> SaleReturnPayload:
    """Return ``quantities`` (sale line number → qty in thousandths), or cancel what is left of
    the whole sale when None. Returned units cannot exceed what was sold minus earlier returns
    (from any device this one has heard of).

    One transaction: the return (stock comes back through its lines), the refund to the
    customer's account for what was on fiado (an abono noted "Devolución de <folio>"), and
    the audit event ("cancel" or "return", who did it and who authorized it).
    ``refund_to_account`` records the exact part credited to the account (the rest is cash out
    of the drawer); ``refund_method`` where the larger part went (fiado on a tie).
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ReasonRequired("Escribe el motivo de la devolución.")
    if len(reason) > 200:
        raise ReasonRequired("El motivo es demasiado largo (200 letras como máximo).")
    with db.write() as conn:
        if authorized_by or cashier_id:  # a till with users: the rule, not only the screen
            staff.require(conn, authorized_by or cashier_id, Permission.CANCEL)
        head = _q_sale(conn, sale_id)
        if head is None:
            raise NothingToReturn("No encontré esa venta.")
        folio, customer_id = head
        sold = _q_lines(conn, sale_id)
        wanted = quantities if quantities is not None else {ln.line_no: ln.qty_left for ln in sold}
        asked = _asked(sold, wanted)
        amount = sum(share for _, share in asked)
        fiado_paid = _q_paid(conn, sale_id).get(PaymentMethod.FIADO.value, 0)
        refunded, credited = _q_refunded(conn, sale_id)
        to_account, cash = split_refund(amount, fiado_paid, refunded)
        returnable = ReturnableSale({ln.line_no: SoldLine(ln.product_id, ln.qty_milli, ln.returned_qty)
                                     for ln in sold}, fiado_paid, credited)
        refused = return_refusal(returnable, [q for q, _ in asked], to_account)
        if refused is not None:
            raise refused
        lines = [SaleReturnLinePayload(line_no=q.line_no, product_id=q.product_id,
                                       qty_milli=q.qty_milli, amount=share) for q, share in asked]
        payload = SaleReturnPayload(
            id=new_uuid7(), sale_id=sale_id, lines=lines, amount=amount,
            refund_method=PaymentMethod.FIADO if to_account >= cash and to_account else
            PaymentMethod.CASH, reason=reason, cashier_id=cashier_id, returned_at=utc_now(),
            refund_to_account=to_account)
        # The account credit is the return itself (refund_to_account): one fact, so a return
        # the server refuses (the same units returned on two offline tills) takes its credit
        # with it when the till withdraws it. Balances subtract it on both sides.
        local.save(conn, device, "sale_return", payload)
        staff.audit(conn, device, "cancel" if quantities is None else "return",
                    cashier_id=cashier_id, authorized_by=authorized_by, subject_id=sale_id,
                    detail=f"{folio}: {reason}")
    return payload
