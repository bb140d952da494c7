"""Returns and cancellations: a new fact pointing at the sale; stock comes back, money goes back
in proportion to what was paid, and a fiado sale's refund goes back to the customer's account.

Also what the sales history shows (the sales, what is left to return of one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pos_client.services import local, staff
from pos_client.services.till import Till
from pos_client.store.repositories import sales
from pos_client.store.repositories.sales import HistoryRow, StoredLine
from pos_client.store.repositories.shop import shop_zone
from shared.errors import DomainError, InvalidQuantity
from shared.folio import FOLIO_DIGITS, folio_ending
from shared.ids import new_uuid7
from shared.money import div_round_half_up
from shared.permissions import Permission
from shared.returns import ReturnableSale, ReturnedQty, SoldLine, return_refusal
from shared.sale import PaymentMethod
from shared.sync.payloads import SaleReturnLinePayload, SaleReturnPayload

__all__ = ["HistoryRow", "NothingToReturn", "ReasonRequired", "SaleHistory", "StoredLine",
           "refund_share", "return_sale", "returnable_lines", "sale_history",
           "split_refund"]


class NothingToReturn(DomainError):
    code = "nothing_to_return"


class ReasonRequired(DomainError):
    code = "reason_required"


# ---- what the history shows ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaleHistory:
    rows: list[HistoryRow]
    zone: ZoneInfo  # the shop's: the times are shown in it


def sale_history(till: Till, folio: str = "", limit: int = 200) -> SaleHistory:
    """The latest sales, newest first. ``folio`` narrows them: the number alone finds that
    folio of any till ("42" finds T1A2B3C-000042), other text finds folios containing it."""
    wanted = folio.strip()
    ending = containing = None
    if wanted.isdigit() and len(wanted) <= FOLIO_DIGITS:
        ending = folio_ending(int(wanted))
    elif wanted:
        containing = wanted.upper()
    with till.db.read() as tx:
        return SaleHistory(sales.history(tx, folio_ending=ending, folio_containing=containing,
                                         limit=limit), shop_zone(tx))


def returnable_lines(till: Till, sale_id: uuid.UUID) -> list[StoredLine]:
    """The sale's lines with what is left to return of each."""
    with till.db.read() as tx:
        return sales.lines_of(tx, sale_id)


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
    till: Till, sale_id: uuid.UUID, reason: str,
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
    with till.db.write() as tx:
        if authorized_by or cashier_id:  # a till with users: the rule, not only the screen
            staff.require(tx, authorized_by or cashier_id, Permission.CANCEL)
        head = sales.head(tx, sale_id)
        if head is None:
            raise NothingToReturn("No encontré esa venta.")
        sold = sales.lines_of(tx, sale_id)
        wanted = quantities if quantities is not None else {ln.line_no: ln.qty_left for ln in sold}
        asked = _asked(sold, wanted)
        amount = sum(share for _, share in asked)
        fiado_paid = sales.paid_by_method(tx, sale_id).get(PaymentMethod.FIADO.value, 0)
        refunded, credited = sales.refunds(tx, sale_id)
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
            PaymentMethod.CASH, reason=reason, cashier_id=cashier_id, returned_at=till.now(),
            refund_to_account=to_account)
        # The account credit is the return itself (refund_to_account): one fact, so a return
        # the server refuses (the same units returned on two offline tills) takes its credit
        # with it when the till withdraws it. Balances subtract it on both sides.
        local.save(tx, till, "sale_return", payload)
        staff.audit(tx, till, "cancel" if quantities is None else "return",
                    cashier_id=cashier_id, authorized_by=authorized_by, subject_id=sale_id,
                    detail=f"{head.folio}: {reason}")
    return payload
