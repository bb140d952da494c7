"""The corte de caja: what each payment form of a shift should hold, counted versus expected,
and the drawer's Mexican bills and coins.

Expected amounts are derived from facts, never stored: expected cash = float + cash sales +
abonos in cash + entradas − salidas − cash refunds. A corte reprinted next month adds up the
same facts it did on the night.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from shared import spanish
from shared.errors import DomainError, InvalidAmount
from shared.money import Centavos, format_mxn
from shared.sale import PaymentMethod
from shared.spanish import agree

CorteKind = Literal["X", "Z"]
CashDirection = Literal["entrada", "salida"]

# Forms of payment that end up somewhere the cashier can count: the drawer, card vouchers or
# the terminal's batch, the bank app. Fiado is credit given, reported but never counted.
COUNTED_METHODS: tuple[PaymentMethod, ...] = (
    PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER)
METHOD_LABELS: Mapping[PaymentMethod, str] = {
    PaymentMethod.CASH: "Efectivo", PaymentMethod.CARD: "Tarjeta",
    PaymentMethod.TRANSFER: "Transferencia", PaymentMethod.FIADO: "Fiado",
}

# Mexican bills and coins in circulation, in centavos. $20 exists as both bill and coin: the
# counting grid shows both and adds their pieces under one value.
BILLS: tuple[Centavos, ...] = (100_000, 50_000, 20_000, 10_000, 5_000, 2_000)
COINS: tuple[Centavos, ...] = (2_000, 1_000, 500, 200, 100, 50)
DENOMINATIONS: frozenset[Centavos] = frozenset(BILLS + COINS)
# More pieces of one kind than a corner-shop drawer could hold: a slip of the finger.
MAX_PIECES = 5_000


class InvalidCount(DomainError):
    code = "invalid_count"


@dataclass(frozen=True, slots=True)
class ShiftInfo:
    id: uuid.UUID
    cashier_name: str | None
    float_amount: Centavos
    device_id: str | None
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class CashMove:
    direction: CashDirection
    amount: Centavos
    reason: str
    moved_at: datetime


@dataclass(frozen=True, slots=True)
class FormTotals:
    """One payment form over a shift: what came in by sales and abonos, what went back."""

    sales: Centavos = 0
    abonos: Centavos = 0
    refunds: Centavos = 0


@dataclass(frozen=True, slots=True)
class CorteReport:
    shift: ShiftInfo
    forms: Mapping[PaymentMethod, FormTotals]
    cash_in: Centavos
    cash_out: Centavos
    movements: tuple[CashMove, ...]
    sales_count: int
    sales_total: Centavos
    returns_count: int
    cancelled_count: int
    # Changes not yet on the server when the report was made; None on a reprint, where
    # today's count would say nothing about the close (the wire keeps no count at close).
    pending_changes: int | None
    closed_at: datetime | None = None
    counted: Mapping[PaymentMethod, Centavos] = field(default_factory=dict)
    note: str | None = None

    def expected(self, method: PaymentMethod) -> Centavos:
        """What should be there: for cash, the float and movements count too; for fiado it is
        the credit given (informational, nobody counts it)."""
        form = self.forms.get(method, FormTotals())
        amount = form.sales + form.abonos - form.refunds
        if method is PaymentMethod.CASH:
            amount += self.shift.float_amount + self.cash_in - self.cash_out
        return amount

    def difference(self, method: PaymentMethod) -> Centavos | None:
        """Counted minus expected: negative is a shortage (faltante), positive a surplus."""
        if method not in self.counted:
            return None
        return self.counted[method] - self.expected(method)

    def with_counted(self, counted: Mapping[PaymentMethod, Centavos], note: str | None = None
                     ) -> CorteReport:
        return replace(self, counted=dict(counted), note=note)


def checked_counts(counted: Mapping[PaymentMethod, Centavos]) -> dict[PaymentMethod, Centavos]:
    """What was counted, refused if it names a form nobody counts or a negative amount."""
    out: dict[PaymentMethod, Centavos] = {}
    for method, amount in counted.items():
        if method not in COUNTED_METHODS:
            raise InvalidCount(f"{METHOD_LABELS[method]} no se cuenta en el corte.")
        if amount < 0:
            raise InvalidAmount(f"Lo contado en {METHOD_LABELS[method]} no puede ser negativo.")
        out[method] = amount
    return out


def count_denominations(pieces: Mapping[Centavos, int]) -> Centavos:
    """Cash counted bill by bill and coin by coin: {denomination in centavos: pieces} → total."""
    total = 0
    for value, count in pieces.items():
        if value not in DENOMINATIONS:
            raise InvalidCount(f"{format_mxn(value)} no es un billete ni una moneda mexicana.")
        if count < 0:
            raise InvalidCount(f"Las piezas de {format_mxn(value)} no pueden ser negativas.")
        if count > MAX_PIECES:
            raise InvalidCount(f"¿{count:,} {agree(count, 'pieza')} de {format_mxn(value)}? "
                               "Revisa el conteo.")
        total += value * count
    return total


def describe_difference(diff: Centavos) -> str:
    if diff < 0:
        return f"Faltante {format_mxn(-diff)}"
    if diff > 0:
        return f"Sobrante {format_mxn(diff)}"
    return "Cuadra"


def pending_text(pending: int | None) -> str:
    """What the paper and the screen say about changes the server has not got yet; nothing
    when that is not known (a reprint)."""
    if pending is None:
        return ""
    if pending == 0:
        return "Todo está sincronizado."
    # Not "when the connection comes back": the paper and the back room don't know whether the
    # till is online, and saying it while the bar says "En línea" made people doubt both.
    left = spanish.agree(pending, "Queda", "Quedan")
    goes = spanish.agree(pending, "sale", "salen")
    return (f"{left} {spanish.count(pending, 'cambio')} por sincronizar; {goes} con la próxima "
            "sincronización.")
