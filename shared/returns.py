"""What a return may take back from a sale: its own lines, no more than is left of each, and no
more credit to the customer's account than the sale put on it. The till checks a return with
this before saving it, the server before accepting it from a till."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple, Protocol

from shared.errors import DomainError
from shared.money import Centavos
from shared.quantity import format_quantity
from shared.sale import PaymentMethod


class ReturnRefused(DomainError):
    """``code`` says which rule: ``unknown_sale``, ``return_line_mismatch``, ``over_return``
    or ``over_credit`` (the server answers a till with these codes)."""

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

    def after(self, lines: Sequence[ReturnedLine], refund_to_account: Centavos) -> ReturnableSale:
        """The sale once an accepted return is counted (the next return of a batch is checked
        against it)."""
        left = dict(self.lines)
        for ln in lines:
            sold = left[ln.line_no]
            left[ln.line_no] = replace(sold, returned_milli=sold.returned_milli + ln.qty_milli)
        return ReturnableSale(left, self.on_fiado, self.credited + refund_to_account)


def return_refusal(
    sale: ReturnableSale | None, lines: Sequence[ReturnedLine], refund_to_account: Centavos
) -> ReturnRefused | None:
    """Why a return of ``lines`` crediting ``refund_to_account`` to the customer's account may
    not be taken from ``sale`` (None: a sale the checker does not have), or None if it may."""
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
    return None


def refund_parts(refund_method: str, amount: int, refund_to_account: int) -> dict[str, int]:
    """Where a stored return's money went, by payment method: ``refund_to_account`` to the
    fiado account, the rest out of the drawer (cash, or ``refund_method`` if another device
    refunded by card or transfer). Parts of zero are left out. The till's cortes and reports
    and the server's tools split returns with this.

    A return stored before the split was recorded (``refund_to_account`` 0 with method
    ``fiado``, which a return can no longer be) went to the account whole."""
    fiado = PaymentMethod.FIADO.value
    to_account = amount if refund_method == fiado and refund_to_account == 0 else refund_to_account
    rest = refund_method if refund_method != fiado else PaymentMethod.CASH.value
    parts = {fiado: to_account, rest: amount - to_account}
    return {method: part for method, part in parts.items() if part}
