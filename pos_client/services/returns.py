"""Returns and cancellations: a new fact pointing at the sale; stock comes back, money goes back
the way it was paid (or as the cashier split it by tender), and a fiado sale's refund goes
back to the customer's account.

Also what the sales history shows (the sales, what is left to return of one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pos_client.services import local, staff
from pos_client.services.till import Till
from pos_client.store.repositories import sales, shifts
from pos_client.store.repositories.sales import HistoryRow, StoredLine
from pos_client.store.repositories.shop import shop_zone
from shared.errors import DomainError, InvalidAmount, InvalidQuantity
from shared.folio import FOLIO_DIGITS, folio_ending
from shared.ids import new_uuid7
from shared.money import div_round_half_up, format_mxn
from shared.permissions import Permission
from shared.returns import (
    RefundSplit,
    ReturnableSale,
    ReturnedQty,
    SoldLine,
    default_split,
    refunded_by_method,
    return_refusal,
)
from shared.sale import PaymentMethod
from shared.sync.payloads import SaleReturnLinePayload, SaleReturnPayload

__all__ = ["HistoryRow", "NothingToReturn", "ReasonRequired", "RefundChoice", "SaleHistory",
           "StoredLine", "Tenders", "refund_share", "refund_tenders", "return_sale", "returnable_lines",
           "sale_history"]


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


@dataclass(frozen=True, slots=True)
class Tenders:
    """How a sale was paid and what its returns gave back so far, by payment method: what the
    return dialog needs to show a refund's default split."""

    paid: dict[str, int]
    refunded: dict[str, int]

    def default(self, amount: int) -> RefundSplit:
        return default_split(amount, self.paid, self.refunded)


def refund_tenders(till: Till, sale_id: uuid.UUID) -> Tenders:
    with till.db.read() as tx:
        return Tenders(sales.paid_by_method(tx, sale_id),
                       refunded_by_method(sales.refund_rows(tx, sale_id)))


# ---- the money -------------------------------------------------------------------------------


def refund_share(line: StoredLine, qty_milli: int) -> int:
    """What ``qty_milli`` more of ``line`` gives back: its share of the line's total (after the
    line's discount), rounded half up. Shares are cumulative (what the line's returns add up
    to after this one, minus what was already given back), so returning the whole line gives
    back exactly its total and partial returns never add up to more."""
    after = div_round_half_up(line.total * (line.returned_qty + qty_milli), line.qty_milli)
    return max(0, min(line.total, after) - line.returned_amount)


@dataclass(frozen=True, slots=True)
class RefundChoice:
    """How the cashier split a refund: this much back to the card (with the terminal's
    reference) and to a transfer; the customer's account takes its part by the rule and the
    rest is cash out of the drawer. Without a choice the money goes back as the sale was paid
    (shared.returns.default_split)."""

    card: int = 0
    transfer: int = 0
    reference: str | None = None


def _split(amount: int, default: RefundSplit, choice: RefundChoice | None) -> RefundSplit:
    if choice is None:
        return default
    if choice.card < 0 or choice.transfer < 0:
        raise InvalidAmount("Lo que se devuelve a tarjeta o transferencia no puede ser negativo.")
    cash = amount - default.account - choice.card - choice.transfer
    if cash < 0:
        raise InvalidAmount(f"Se devuelven {format_mxn(amount - default.account)} fuera de la "
                            "cuenta del cliente; a tarjeta y transferencia va más que eso.")
    return RefundSplit(default.account, choice.card, choice.transfer, cash)


def _reference(choice: RefundChoice | None, split: RefundSplit) -> str | None:
    reference = " ".join((choice.reference or "").split()) if choice else ""
    if not reference:
        return None
    if not (split.card or split.transfer):
        raise InvalidAmount("La referencia es de lo que se devuelve a tarjeta o transferencia.")
    if len(reference) > 80 or not reference.isprintable():
        raise InvalidAmount("La referencia es muy larga o tiene caracteres no válidos.")
    return reference


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
    *, authorized_by: uuid.UUID | None = None, refund: RefundChoice | None = None,
) -> SaleReturnPayload:
    """Return ``quantities`` (sale line number → qty in thousandths), or cancel what is left of
    the whole sale when None. Returned units cannot exceed what was sold minus earlier returns
    (from any device this one has heard of).

    One transaction: the return (stock comes back through its lines), the refund to the
    customer's account for what was on fiado, and the audit event ("cancel" or "return", who
    did it and who authorized it). The money goes back as the sale was paid unless the
    cashier chose a split (``refund``); no more goes back to a card or a transfer than was
    paid that way. The return names this till's open shift: its corte pays it out.
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
        paid = sales.paid_by_method(tx, sale_id)
        refunded = refunded_by_method(sales.refund_rows(tx, sale_id))
        split = _split(amount, default_split(amount, paid, refunded), refund)
        reference = _reference(refund, split)
        _, credited = sales.refunds(tx, sale_id)
        returnable = ReturnableSale(
            {ln.line_no: SoldLine(ln.product_id, ln.qty_milli, ln.returned_qty) for ln in sold},
            paid.get(PaymentMethod.FIADO.value, 0), credited,
            {m: paid.get(m, 0) - refunded.get(m, 0) for m in split.tender()})
        refused = return_refusal(returnable, [q for q, _ in asked], split.account, split.tender())
        if refused is not None:
            raise refused
        lines = [SaleReturnLinePayload(line_no=q.line_no, product_id=q.product_id,
                                       qty_milli=q.qty_milli, amount=share) for q, share in asked]
        shift = shifts.open_on(tx, till.device.device_id)
        payload = SaleReturnPayload(
            id=new_uuid7(), sale_id=sale_id, lines=lines, amount=amount,
            refund_method=split.method, reason=reason, cashier_id=cashier_id,
            returned_at=till.now(), refund_to_account=split.account, refund_card=split.card,
            refund_transfer=split.transfer, refund_reference=reference,
            shift_id=shift.id if shift else None)
        # The account credit is the return itself (refund_to_account): one fact, so a return
        # the server refuses (the same units returned on two offline tills) takes its credit
        # with it when the till withdraws it. Balances subtract it on both sides.
        local.save(tx, till, "sale_return", payload)
        staff.audit(tx, till, "cancel" if quantities is None else "return",
                    cashier_id=cashier_id, authorized_by=authorized_by, subject_id=sale_id,
                    detail=f"{head.folio}: {reason}")
    return payload
