"""What a return may take back from a sale: its own lines, no more than is left of each, no
more credit to the customer's account than the sale put on it, and no more back to a card or
a transfer than was paid that way. How a refund is split by tender by default, and where a
stored return's money went. The till checks a return with this before saving it, the server
before accepting it from a till."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple, Protocol

from shared.errors import DomainError
from shared.money import Centavos, format_mxn
from shared.quantity import format_quantity
from shared.sale import PaymentMethod


class ReturnRefused(DomainError):
    """``code`` says which rule: ``unknown_sale``, ``return_line_mismatch``, ``over_return``,
    ``over_credit`` or ``over_tender`` (the server answers a till with these codes)."""

    code = "return_refused"


class ReturnedLine(Protocol):
    """A line of a return: which sale line, which product, how much (a wire payload line)."""

    @property
    def line_no(self) -> int: ...

    @property
    def product_id(self) -> uuid.UUID | None: ...

    @property
    def qty_milli(self) -> int: ...


class ReturnedQty(NamedTuple):
    """A :class:`ReturnedLine` before its payload is built."""

    line_no: int
    product_id: uuid.UUID | None
    qty_milli: int


@dataclass(frozen=True, slots=True)
class SoldLine:
    product_id: uuid.UUID | None
    qty_milli: int
    returned_milli: int = 0  # what the returns the checker knows of already took back


@dataclass(frozen=True, slots=True)
class ReturnableSale:
    """A sale as the checker has it: its lines by number, and its fiado account so far."""

    lines: Mapping[int, SoldLine] = field(default_factory=dict)
    on_fiado: Centavos = 0  # what the sale's payments put on the customer's account
    credited: Centavos = 0  # what earlier returns credited back to that account
    # Card and transfer: what the sale's payments put on each, less what earlier returns gave
    # back to it (a terminal refunds no more than it charged). Cash has no ceiling here.
    tender_left: Mapping[str, Centavos] = field(default_factory=dict)

    def after(self, lines: Sequence[ReturnedLine], refund_to_account: Centavos,
              tender: Mapping[str, Centavos] | None = None) -> ReturnableSale:
        """The sale once an accepted return is counted (the next return of a batch is checked
        against it)."""
        left = dict(self.lines)
        for ln in lines:
            sold = left[ln.line_no]
            left[ln.line_no] = replace(sold, returned_milli=sold.returned_milli + ln.qty_milli)
        tender_left = {m: self.tender_left.get(m, 0) - (tender or {}).get(m, 0)
                       for m in _TENDERS}
        return ReturnableSale(left, self.on_fiado, self.credited + refund_to_account, tender_left)


# Tenders a refund can go back to with a ceiling: what the sale was paid by each.
_TENDERS = (PaymentMethod.CARD.value, PaymentMethod.TRANSFER.value)


def return_refusal(
    sale: ReturnableSale | None, lines: Sequence[ReturnedLine], refund_to_account: Centavos,
    tender: Mapping[str, Centavos] | None = None,
) -> ReturnRefused | None:
    """Why a return of ``lines`` crediting ``refund_to_account`` to the customer's account and
    ``tender`` (method → centavos) back to a card or transfer may not be taken from ``sale``
    (None: a sale the checker does not have), or None if it may."""
    if sale is None or not sale.lines:
        return ReturnRefused("La devolución es de una venta que la tienda no tiene.",
                             code="unknown_sale")
    taken: dict[int, int] = {}
    for ln in lines:
        sold = sale.lines.get(ln.line_no)
        if sold is None or sold.product_id != ln.product_id:
            return ReturnRefused(f"El renglón {ln.line_no} no corresponde a esa venta.",
                                 code="return_line_mismatch")
        taken[ln.line_no] = taken.get(ln.line_no, 0) + ln.qty_milli
        if sold.returned_milli + taken[ln.line_no] > sold.qty_milli:
            # Seen on the server when another till returned the same units while offline.
            left = format_quantity(max(0, sold.qty_milli - sold.returned_milli))
            return ReturnRefused(f"El renglón {ln.line_no} no tiene tanto por devolver: queda "
                                 f"{left} de {format_quantity(sold.qty_milli)}.",
                                 code="over_return")
    if sale.credited + refund_to_account > sale.on_fiado:
        return ReturnRefused("La devolución abona a la cuenta del cliente más de lo que se fió "
                             "en esa venta.", code="over_credit")
    for method, part in (tender or {}).items():
        if part > sale.tender_left.get(method, 0):
            left_paid = format_mxn(max(0, sale.tender_left.get(method, 0)))
            return ReturnRefused(f"A {_WORDS[method]} solo se puede devolver lo que se pagó así "
                                 f"y no se ha devuelto: {left_paid}.", code="over_tender")
    return None


_WORDS = {PaymentMethod.CARD.value: "tarjeta", PaymentMethod.TRANSFER.value: "transferencia"}


def refund_parts(refund_method: str, amount: int, refund_to_account: int,
                 card: int = 0, transfer: int = 0) -> dict[str, int]:
    """Where a stored return's money went, by payment method: ``refund_to_account`` to the
    fiado account, ``card`` and ``transfer`` back that way, the rest out of the drawer in
    cash. Parts of zero are left out. The till's cortes and reports and the server's cortes,
    reports and tools split returns with this.

    A return that names no card or transfer part (every return stored before refunds were
    split by tender) sent the rest by ``refund_method``: cash, or card or transfer if a till
    recorded it so. One stored with ``refund_to_account`` 0 and method ``fiado`` (which a
    return can no longer be) predates the account part and went to the account whole."""
    fiado, cash = PaymentMethod.FIADO.value, PaymentMethod.CASH.value
    if card or transfer:
        parts = {fiado: refund_to_account, PaymentMethod.CARD.value: card,
                 PaymentMethod.TRANSFER.value: transfer,
                 cash: amount - refund_to_account - card - transfer}
    else:
        to_account = amount if refund_method == fiado and refund_to_account == 0 \
            else refund_to_account
        rest = refund_method if refund_method != fiado else cash
        parts = {fiado: to_account, rest: amount - to_account}
    return {method: part for method, part in parts.items() if part}


def refunded_by_method(stored: Iterable[tuple[str, int, int, int, int]]) -> dict[str, int]:
    """What stored returns (refund_method, amount, refund_to_account, card, transfer) gave
    back, by payment method."""
    out: dict[str, int] = {}
    for row in stored:
        for method, part in refund_parts(*row).items():
            out[method] = out.get(method, 0) + part
    return out


@dataclass(frozen=True, slots=True)
class RefundSplit:
    """Where a refund goes: the customer's account, a card, a transfer, and cash (the rest)."""

    account: Centavos = 0
    card: Centavos = 0
    transfer: Centavos = 0
    cash: Centavos = 0

    @property
    def amount(self) -> Centavos:
        return self.account + self.card + self.transfer + self.cash

    @property
    def method(self) -> PaymentMethod:
        """The method of the largest part (the account on a tie: a fiado sale's refund is
        never called cash)."""
        parts = [(self.account, PaymentMethod.FIADO), (self.card, PaymentMethod.CARD),
                 (self.transfer, PaymentMethod.TRANSFER), (self.cash, PaymentMethod.CASH)]
        best, method = max(parts, key=lambda p: p[0])
        return method if best else PaymentMethod.CASH

    def tender(self) -> dict[str, Centavos]:
        """The parts with a ceiling (card, transfer), for :func:`return_refusal`."""
        return {PaymentMethod.CARD.value: self.card, PaymentMethod.TRANSFER.value: self.transfer}


def default_split(amount: Centavos, paid: Mapping[str, Centavos],
                  refunded: Mapping[str, Centavos]) -> RefundSplit:
    """A refund of ``amount`` back the way the sale was paid (``paid``: method → centavos),
    within what each tender has left after earlier returns (``refunded``: method → centavos).

    The customer's account first, until the fiado part is all given back: a customer never
    gets money for goods they have not paid for. Then the card and the transfer, each up to
    what it paid (money that never entered the drawer goes back the same way), then cash.
    Earlier returns count, so the order returns happen in does not change the split."""
    left = amount
    parts: dict[str, Centavos] = {}
    for method in (PaymentMethod.FIADO.value, *_TENDERS):
        parts[method] = max(0, min(left, paid.get(method, 0) - refunded.get(method, 0)))
        left -= parts[method]
    return RefundSplit(account=parts[PaymentMethod.FIADO.value],
                       card=parts[PaymentMethod.CARD.value],
                       transfer=parts[PaymentMethod.TRANSFER.value], cash=left)
