"""Sale rules: line amounts, payment settlement and change, shared by the counter and the server."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from shared.errors import EmptySale, InsufficientPayment, InvalidAmount, InvalidQuantity
from shared.money import Centavos, div_round_half_up, format_mxn

QTY_SCALE = 1000  # quantities are thousandths of the unit: 1 piece = 1000, 1 kg = 1000 (grams)
MAX_QTY_MILLI = 9_999 * QTY_SCALE  # more than 9,999 pieces or kg on one line is a typing slip
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
    return div_round_half_up(unit_price * qty_milli, QTY_SCALE)


_WEIGHT = re.compile(r"([0-9]{0,4})(?:\.([0-9]{0,3}))?\s*(kg|g)?", re.IGNORECASE)


def parse_quantity(text: str, by_weight: bool) -> int:
    """What the cashier typed as a quantity, in thousandths: "3" pieces; "0.250", ".5 kg",
    "250 g" for weighed goods. Pieces must be whole."""
    raw = text.strip()
    m = _WEIGHT.fullmatch(raw)
    if not raw or m is None or not (m.group(1) or m.group(2)):
        raise InvalidQuantity(f"«{raw}» no es una cantidad válida. Ejemplos: 3, 0.250, 250 g.")
    whole, fraction, unit = m.group(1) or "0", m.group(2) or "", (m.group(3) or "").lower()
    if unit == "g":
        if fraction:
            raise InvalidQuantity("Los gramos se escriben sin decimales, por ejemplo 250 g.")
        qty = int(whole)
    else:
        qty = int(whole) * QTY_SCALE + int(fraction.ljust(3, "0"))
    if not by_weight and (unit or qty % QTY_SCALE):
        raise InvalidQuantity("Este producto se vende por pieza: usa cantidades enteras.")
    check_quantity(qty)
    return qty


def check_quantity(qty_milli: int) -> None:
    if qty_milli <= 0:
        raise InvalidQuantity("La cantidad debe ser mayor que cero.")
    if qty_milli > MAX_QTY_MILLI:
        raise InvalidQuantity("La cantidad es demasiado grande. Revisa lo que escribiste.")


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
