"""The ticket being rung up at the counter: lines, quantities and totals before it is paid."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from shared.errors import InvalidQuantity
from shared.money import Centavos
from shared.sale import MAX_LINES, QTY_SCALE, check_quantity, line_total
from shared.tax import IvaRate, TaxSummary, split_included, summarize


@dataclass(frozen=True, slots=True)
class TicketLine:
    product_id: uuid.UUID | None
    name: str
    unit_price: Centavos
    qty_milli: int
    iva: IvaRate
    ieps_bp: int = 0
    sold_by_weight: bool = False

    @property
    def total(self) -> Centavos:
        return line_total(self.unit_price, self.qty_milli)


@dataclass
class Ticket:
    lines: list[TicketLine] = field(default_factory=list)

    def add(self, line: TicketLine) -> int:
        """Add a line and return its index. Scanning a piece item again raises its quantity."""
        check_quantity(line.qty_milli)
        _check_pieces(line, line.qty_milli)
        if not line.sold_by_weight and line.product_id is not None:
            for i, existing in enumerate(self.lines):
                if existing.product_id == line.product_id and existing.unit_price == line.unit_price:
                    self.set_quantity(i, existing.qty_milli + line.qty_milli)
                    return i
        if len(self.lines) >= MAX_LINES:
            raise InvalidQuantity(f"Un ticket admite como máximo {MAX_LINES} renglones.")
        line_total(line.unit_price, line.qty_milli)  # validates the price too
        self.lines.append(line)
        return len(self.lines) - 1

    def set_quantity(self, index: int, qty_milli: int) -> None:
        line = self.lines[index]
        _check_pieces(line, qty_milli)
        check_quantity(qty_milli)
        self.lines[index] = replace(line, qty_milli=qty_milli)

    def remove(self, index: int) -> None:
        del self.lines[index]

    def clear(self) -> None:
        self.lines.clear()

    @property
    def total(self) -> Centavos:
        return sum(line.total for line in self.lines)

    @property
    def taxes(self) -> TaxSummary:
        return summarize(
            (ln.iva, split_included(ln.total, ln.iva, ln.ieps_bp)) for ln in self.lines
        )

    def __len__(self) -> int:
        return len(self.lines)


def _check_pieces(line: TicketLine, qty_milli: int) -> None:
    if not line.sold_by_weight and qty_milli % QTY_SCALE:
        raise InvalidQuantity("Este producto se vende por pieza: usa cantidades enteras.")
