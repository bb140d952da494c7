"""A stored sale as an invoice sees it (pure): what is left of it after returns, its lines as
an invoice's concepts, its amounts as one ticket of a factura global; and the periods of the
global invoice and the self-invoicing window, in the shop's local time."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.fiscal import FORMA_POR_DEFINIR, main_forma
from shared.sale import PaymentMethod
from shared.tax import IvaRate, TaxSplit
from sync_server.cfdi import build
from sync_server.cfdi.amounts import TaxKey, TicketConcept, fit_tickets, net_line

_MILLI = Decimal(1000)


@dataclass(frozen=True)
class SoldLine:
    line_no: int
    name: str
    qty_milli: int
    total: int
    iva: IvaRate
    ieps_bp: int
    by_weight: bool = False
    barcode: str | None = None
    product_key: str = build.CLAVE_SIN_CATALOGO  # the product's ClaveProdServ
    unit_key: str | None = None  # its ClaveUnidad; None: H87 pieza, or KGM when sold by weight

    @property
    def unit(self) -> str:
        return self.unit_key or (build.UNIDAD_KILO if self.by_weight else build.UNIDAD_PIEZA)


@dataclass(frozen=True)
class Ticket:
    """A sale with its payments (per method) and its returned lines (line_no, qty, amount)."""

    sale_id: uuid.UUID
    folio: str
    sold_at: datetime
    total: int
    lines: Sequence[SoldLine]
    paid: dict[PaymentMethod, int] = field(default_factory=dict)
    returned: Sequence[tuple[int, int, int]] = ()
    customer_id: uuid.UUID | None = None
    return_ids: Sequence[uuid.UUID] = ()  # the returns in ``returned``: an invoice is net of them

    @property
    def returned_total(self) -> int:
        return sum(amount for _, _, amount in self.returned)

    @property
    def net_total(self) -> int:
        return self.total - self.returned_total

    @property
    def on_fiado(self) -> bool:
        return self.paid.get(PaymentMethod.FIADO, 0) > 0

    def _returns_of(self, line_no: int) -> tuple[int, list[int]]:
        back = [(q, a) for n, q, a in self.returned if n == line_no]
        return sum(q for q, _ in back), [a for _, a in back]

    def net_split(self, line: SoldLine) -> TaxSplit:
        return net_line(line.total, line.iva, line.ieps_bp, self._returns_of(line.line_no)[1])

    def net_lines(self) -> list[tuple[TaxKey, TaxSplit]]:
        """Each line's tax key and its split net of its returns, as the IVA report counts it."""
        return [(TaxKey(ln.iva, ln.ieps_bp), self.net_split(ln)) for ln in self.lines]

    def payment_terms(self, card_forma: str) -> tuple[str, str]:
        """(forma de pago, método de pago): a sale put partly on fiado is paid later (PPD, 99);
        any other is paid (PUE) with the method that paid the most."""
        if self.on_fiado:
            return FORMA_POR_DEFINIR, "PPD"
        return main_forma(self.paid, card_forma), "PUE"

    def invoice_lines(self) -> tuple[list[build.Line], dict[IvaRate, TaxSplit]]:
        """Its lines net of returns, as concepts of the customer's own invoice (a line whose
        taxes cannot fit SAT's tolerance on their own is split in two, its quantity shared),
        and the rounding residue of lines returned in full that no concept can carry."""
        by_no = {ln.line_no: ln for ln in self.lines}
        left = {ln.line_no: ln.qty_milli - self._returns_of(ln.line_no)[0] for ln in self.lines}
        fit = fit_tickets([(str(ln.line_no), [(TaxKey(ln.iva, ln.ieps_bp), self.net_split(ln))])
                           for ln in self.lines if left[ln.line_no] > 0])
        pieces: dict[str, list[TicketConcept]] = {}
        for c in fit.concepts:
            pieces.setdefault(c.ref, []).append(c)
        out = []
        for ref, parts in pieces.items():
            line = by_no[int(ref)]
            qty_left = Decimal(left[line.line_no]) / _MILLI
            whole = sum(p.taxed.total for p in parts)
            given = Decimal(0)
            for i, part in enumerate(parts):
                qty = qty_left - given if i == len(parts) - 1 else (
                    qty_left * part.taxed.total / whole).quantize(Decimal("0.000001"), ROUND_HALF_UP)
                given += qty
                out.append(build.Line(line.name, qty, line.unit, part.taxed,
                                      product_key=line.product_key,
                                      identification=line.barcode))
        return out, fit.left_out


# ---- periods ----------------------------------------------------------------------------------


class Periodicity(StrEnum):
    DAILY = "diaria"
    WEEKLY = "semanal"
    MONTHLY = "mensual"

    @property
    def sat_code(self) -> str:
        return {"diaria": "01", "semanal": "02", "mensual": "04"}[self.value]


@dataclass(frozen=True)
class Period:
    """Local dates [start, end) of a global invoice. A week that spans two months is cut at
    the month's end: each month gets its own global invoice."""

    periodicity: Periodicity
    start: date
    end: date

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC instants, midnight to midnight in the shop's time zone."""
        return (datetime.combine(self.start, time(), zone).astimezone(UTC),
                datetime.combine(self.end, time(), zone).astimezone(UTC))

    def sat(self) -> build.GlobalPeriod:
        return build.GlobalPeriod(self.periodicity.sat_code, f"{self.start.month:02d}",
                                  self.start.year)

    def label(self) -> str:
        last = self.end - timedelta(days=1)
        if self.start == last:
            return f"{self.start:%d/%m/%Y}"
        return f"{self.start:%d/%m/%Y} al {last:%d/%m/%Y}"


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_of(day: date, periodicity: Periodicity) -> Period:
    """The global invoice period a local date falls in."""
    if periodicity is Periodicity.DAILY:
        return Period(periodicity, day, day + timedelta(days=1))
    if periodicity is Periodicity.MONTHLY:
        return Period(periodicity, day.replace(day=1), _month_end(day))
    monday = day - timedelta(days=day.weekday())
    return Period(periodicity, max(monday, day.replace(day=1)),
                  min(monday + timedelta(days=7), _month_end(day)))


def closed_periods(now: datetime, zone: ZoneInfo, periodicity: Periodicity,
                   back_days: int = 62) -> list[Period]:
    """Periods that ended before ``now`` (local), newest last, going back ``back_days``."""
    today = now.astimezone(zone).date()
    out: list[Period] = []
    day = today - timedelta(days=back_days)
    while day < today:
        p = period_of(day, periodicity)
        if p.end <= today and (not out or out[-1] != p):
            out.append(p)
        day = p.end
    return out


def invoice_deadline(sold_at: datetime, zone: ZoneInfo, window_days: int | None) -> datetime:
    """Until when a sale may be invoiced on its own: the end of its local month (SAT's rule for
    a sale that may be in the month's global), or ``window_days`` after it if the shop says so."""
    if window_days is not None:
        return sold_at + timedelta(days=window_days)
    local = sold_at.astimezone(zone).date()
    return datetime.combine(_month_end(local), time(), zone).astimezone(UTC)
