"""Taxes on tax-included shelf prices: IVA per rate and IEPS, split with deterministic rounding."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from shared.money import Centavos, div_round_half_up

_BP = 10_000  # basis points in one whole


class IvaRate(StrEnum):
    """IVA treatment of a product. Values are the codes stored and sent over the wire."""

    GENERAL = "16"
    FRONTERA = "8"
    TASA_CERO = "0"
    EXENTO = "exento"

    @property
    def basis_points(self) -> int:
        return {"16": 1600, "8": 800, "0": 0, "exento": 0}[self.value]

    @property
    def label(self) -> str:
        return {"16": "IVA 16%", "8": "IVA 8%", "0": "IVA 0%", "exento": "Exento"}[self.value]


@dataclass(frozen=True, slots=True)
class TaxSplit:
    """A tax-included amount split into its parts; ``base + ieps + iva == total`` always."""

    total: Centavos
    base: Centavos
    ieps: Centavos
    iva: Centavos


def split_included(total: Centavos, rate: IvaRate, ieps_bp: int = 0) -> TaxSplit:
    """Split a tax-included amount into base, IEPS and IVA.

    IVA is charged on the price including IEPS, so IVA comes off first, then IEPS. Each tax
    is the remainder of a rounded base, so the parts always add back to the total exactly.
    """
    if ieps_bp < 0:
        raise ValueError("IEPS cannot be negative")
    before_iva = div_round_half_up(total * _BP, _BP + rate.basis_points)
    base = div_round_half_up(before_iva * _BP, _BP + ieps_bp)
    return TaxSplit(total=total, base=base, ieps=before_iva - base, iva=total - before_iva)


@dataclass(frozen=True, slots=True)
class TaxSummary:
    """Per-rate sums of line splits: what a ticket or the accountant's report shows."""

    by_rate: dict[IvaRate, TaxSplit]

    @property
    def total(self) -> Centavos:
        return sum(s.total for s in self.by_rate.values())

    @property
    def iva(self) -> Centavos:
        return sum(s.iva for s in self.by_rate.values())

    @property
    def ieps(self) -> Centavos:
        return sum(s.ieps for s in self.by_rate.values())


def summarize(lines: Iterable[tuple[IvaRate, TaxSplit]]) -> TaxSummary:
    """Add line splits per rate. Splitting per line, then adding, keeps lines and totals equal."""
    acc: dict[IvaRate, TaxSplit] = {}
    for rate, split in lines:
        prev = acc.get(rate)
        acc[rate] = (
            split
            if prev is None
            else TaxSplit(
                total=prev.total + split.total,
                base=prev.base + split.base,
                ieps=prev.ieps + split.ieps,
                iva=prev.iva + split.iva,
            )
        )
    return TaxSummary(by_rate=dict(sorted(acc.items(), key=lambda kv: -kv[0].basis_points)))
