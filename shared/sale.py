"""Sale rules: line amounts, payment settlement and change, shared by the counter and the server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from shared.errors import EmptySale, InsufficientPayment, InvalidAmount
from shared.money import Centavos, format_mxn
from shared.quantity import check_quantity, value_of

MAX_UNIT_PRICE: Centavos = 10_000_000  # $100,000.00 per unit
MAX_LINES = 500


class PaymentMethod(StrEnum):
    CASH = "efectivo"
    CARD = "tarjeta"
    TRANSFER = "transferencia"
    FIADO = "fiado"


def line_total(unit_price: Centavos, qty_milli: int) -> Centavos:
    """Amount of a line: the unit price times the quantity, rounded half up to the centavo."""
    check_quantity(qty_milli)
    check_unit_price(unit_price)
    return value_of(qty_milli, unit_price)


def check_unit_price(unit_price: Centavos) -> None:
    if unit_price < 0:
        raise InvalidAmount("El precio no puede ser negativo.")
    if unit_price > MAX_UNIT_PRICE:
        raise InvalidAmount(f"El precio {format_mxn(unit_price)} es demasiado grande.")


@dataclass(frozen=True, slots=True)
class Tender:
    """What the customer hands over: for cash, the bills received; otherwise the amount charged."""

    method: PaymentMethod
    amount: Centavos
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment applied to a sale. For cash, ``tendered`` is what was received."""

    method: PaymentMethod
    amount: Centavos
    tendered: Centavos
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Settlement:
    payments: tuple[Payment, ...]
    change: Centavos


def settle(total: Centavos, tenders: Sequence[Tender]) -> Settlement:
    """Apply tenders to a total. Only cash gives change; paying less than the total is refused."""
    if total <= 0:
        raise EmptySale("El ticket está vacío.")
    if not tenders:
        raise InsufficientPayment(f"Falta pagar {format_mxn(total)}.")
    if any(t.amount <= 0 for t in tenders):
        raise InvalidAmount("Cada pago debe ser mayor que cero.")
    non_cash = sum(t.amount for t in tenders if t.method is not PaymentMethod.CASH)
    cash_received = sum(t.amount for t in tenders if t.method is PaymentMethod.CASH)
    if non_cash > total:
        raise InvalidAmount("Los pagos con tarjeta, transferencia o fiado no pueden exceder el total.")
    cash_due = total - non_cash
    if cash_received < cash_due:
        raise InsufficientPayment(f"Falta pagar {format_mxn(cash_due - cash_received)}.")
    payments: list[Payment] = []
    for t in tenders:
        if t.method is PaymentMethod.CASH:
            # Each cash tender keeps what was handed over; the amount applied is its share of
            # cash_due, so that applied amounts add up to the total exactly.
            applied = min(t.amount, cash_due)
            cash_due -= applied
            payments.append(Payment(t.method, applied, t.amount, t.reference))
        else:
            payments.append(Payment(t.method, t.amount, t.amount, t.reference))
    return Settlement(payments=tuple(payments), change=cash_received - (total - non_cash))


# ---- a cash amount that is probably a slip of the finger ----------------------------------------

CONFIRM_CHANGE_OVER: Centavos = 200_000  # more than $2,000 of change
CONFIRM_TIMES_DUE = 10  # or ten times what is due…
ONE_BILL: Centavos = 50_000  # …once it is more than a $500 bill (one bill for a small sale is usual)


def cash_needs_confirmation(due: Centavos, received: Centavos) -> bool:
    """Whether cash ``received`` against ``due`` is unusual enough to ask "¿seguro?" before
    charging: $12,345 typed for a $101.25 ticket would print a change nobody can give. A
    customer paying $45 with a $500 bill is normal and is not asked about."""
    if received <= due:
        return False
    if received - due > CONFIRM_CHANGE_OVER:
        return True
    return received > CONFIRM_TIMES_DUE * due and received > ONE_BILL
