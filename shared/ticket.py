"""The ticket being rung up at the counter: lines, quantities, prices, discounts and totals."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace

from shared.errors import InvalidAmount, InvalidQuantity
from shared.money import Centavos, div_round_half_up, format_mxn
from shared.quantity import QTY_SCALE, check_quantity
from shared.sale import MAX_LINES, check_unit_price, line_total
from shared.tax import IvaRate, TaxSummary, split_included, summarize


@dataclass(frozen=True, slots=True)
class TicketLine:
    product_id: uuid.UUID | None  # None: a "producto común" typed at the counter
    name: str
    list_price: Centavos  # the retail price per unit (or per kg)
    qty_milli: int
    iva: IvaRate
    ieps_bp: int = 0
    sold_by_weight: bool = False
    # Mayoreo: from wholesale_min_milli units on this line, each costs wholesale_price.
    wholesale_price: Centavos | None = None
    wholesale_min_milli: int = 0
    discount: Centavos = 0  # centavos off this line (its own or its share of a ticket discount)
    cost: Centavos | None = None  # unit cost when rung up, for the margin; None: not known

    @property
    def wholesale(self) -> bool:
        return (self.wholesale_price is not None and self.wholesale_min_milli > 0
                and self.qty_milli >= self.wholesale_min_milli)

    @property
    def unit_price(self) -> Centavos:
        return self.wholesale_price if self.wholesale and self.wholesale_price is not None \
            else self.list_price

    @property
    def gross(self) -> Centavos:
        return line_total(self.unit_price, self.qty_milli)

    @property
    def total(self) -> Centavos:
        return self.gross - self.discount


@dataclass
class Ticket:
    lines: list[TicketLine] = field(default_factory=list)
    discount_by: uuid.UUID | None = None  # who approved its discounts (kept when it is parked)

    def add(self, line: TicketLine) -> int:
        """Add a line and return its index. Scanning a piece item again raises its quantity
        (and may move it to its mayoreo price)."""
        check_quantity(line.qty_milli)
        _check_pieces(line, line.qty_milli)
        if not line.sold_by_weight and line.product_id is not None:
            for i, existing in enumerate(self.lines):
                if existing.product_id == line.product_id and existing.list_price == line.list_price:
                    self.set_quantity(i, existing.qty_milli + line.qty_milli)
                    return i
        if len(self.lines) >= MAX_LINES:
            raise InvalidQuantity(f"Un ticket admite como máximo {MAX_LINES} renglones.")
        check_unit_price(line.list_price)
        line_total(line.unit_price, line.qty_milli)  # validates the price too
        self.lines.append(line)
        return len(self.lines) - 1

    def set_quantity(self, index: int, qty_milli: int) -> None:
        line = self.lines[index]
        _check_pieces(line, qty_milli)
        check_quantity(qty_milli)
        changed = replace(line, qty_milli=qty_milli)
        # A discount never outgrows its line: fewer pieces keep at most the new line's amount.
        self.lines[index] = replace(changed, discount=min(changed.discount, changed.gross))

    def set_discount(self, index: int, amount: Centavos) -> None:
        """Centavos off one line (replacing its discount)."""
        line = self.lines[index]
        if amount < 0:
            raise InvalidAmount("El descuento no puede ser negativo.")
        if amount > line.gross:
            raise InvalidAmount(f"El descuento no puede pasar de {format_mxn(line.gross)}.")
        self.lines[index] = replace(line, discount=amount)

    def discount_ticket(self, amount: Centavos) -> None:
        """Take ``amount`` off the whole ticket, shared among the lines in proportion to what
        is left of each (largest remainder), so each line's IVA stays right."""
        remaining = self.total
        if amount < 0:
            raise InvalidAmount("El descuento no puede ser negativo.")
        if amount > remaining:
            raise InvalidAmount(f"El descuento no puede pasar de {format_mxn(remaining)}.")
        if amount == 0:
            return
        exact = [(amount * ln.total, i) for i, ln in enumerate(self.lines)]
        shares = [e // remaining for e, _ in exact]
        leftover = amount - sum(shares)
        by_remainder = sorted(exact, key=lambda e: (-(e[0] % remaining), e[1]))
        for _, i in by_remainder[:leftover]:
            shares[i] += 1
        self.lines = [replace(ln, discount=ln.discount + s) for ln, s in zip(self.lines, shares, strict=True)]

    def clear_discounts(self) -> None:
        self.lines = [replace(ln, discount=0) for ln in self.lines]

    def remove(self, index: int) -> None:
        del self.lines[index]

    def clear(self) -> None:
        self.lines.clear()

    @property
    def total(self) -> Centavos:
        return sum(line.total for line in self.lines)

    @property
    def discount(self) -> Centavos:
        return sum(line.discount for line in self.lines)

    @property
    def taxes(self) -> TaxSummary:
        return summarize(
            (ln.iva, split_included(ln.total, ln.iva, ln.ieps_bp)) for ln in self.lines
        )

    def __len__(self) -> int:
        return len(self.lines)


_PERCENT = re.compile(r"([0-9]{1,3})(?:[.,]([0-9]{1,2}))?")


def parse_percent(text: str) -> int:
    """A typed percentage ("10", "12.5", "7,25") in basis points (1250 = 12.5 %), read as
    digits, never through a float; at most two decimals."""
    m = _PERCENT.fullmatch(text.strip())
    if m is None:
        raise InvalidAmount(f"«{text.strip()}» no es un porcentaje válido.")
    return int(m.group(1)) * 100 + int((m.group(2) or "").ljust(2, "0"))


def percent_of(total: Centavos, percent_bp: int) -> Centavos:
    """A percentage discount in basis points (1000 = 10 %) of ``total``, to the centavo."""
    if not 0 <= percent_bp <= 10_000:
        raise InvalidAmount("El porcentaje debe estar entre 0 y 100.")
    return div_round_half_up(total * percent_bp, 10_000)


def _check_pieces(line: TicketLine, qty_milli: int) -> None:
    if not line.sold_by_weight and qty_milli % QTY_SCALE:
        raise InvalidQuantity("Este producto se vende por pieza: usa cantidades enteras.")
