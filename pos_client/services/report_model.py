"""What each report says, as the page and the CSV export read it: breakdowns of sales, best
sellers, gross margin, the IVA summary, fiado aging, and the tables they are shown as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pos_client.services.accounts import AGING_BUCKETS, AgingReport
from pos_client.services.report_period import Period
from pos_client.services.report_table import Kind, Table
from shared.money import Centavos, div_round_half_up
from shared.quantity import QTY_SCALE
from shared.sale import PaymentMethod
from shared.tax import IvaRate, TaxSplit

PAYMENT_LABELS = {PaymentMethod.CASH.value: "Efectivo", PaymentMethod.CARD.value: "Tarjeta",
                  PaymentMethod.TRANSFER.value: "Transferencia", PaymentMethod.FIADO.value: "Fiado"}
ZERO_SPLIT = TaxSplit(total=0, base=0, ieps=0, iva=0)


# ---- sales breakdowns --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BreakdownRow:
    key: str | int | date  # the day, the hour (0–23), the department or the payment method
    label: str
    tickets: int
    gross: Centavos
    returns: Centavos

    @property
    def net(self) -> Centavos:
        return self.gross - self.returns


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Sales split one way. ``tickets`` in the total is the period's distinct sales: one ticket
    can touch several departments or payment forms, so the rows' counts may add up to more."""

    title: str
    key_title: str
    rows: list[BreakdownRow]
    tickets: int

    @property
    def gross(self) -> Centavos:
        return sum(r.gross for r in self.rows)

    @property
    def returns(self) -> Centavos:
        return sum(r.returns for r in self.rows)

    @property
    def net(self) -> Centavos:
        return self.gross - self.returns

    def table(self) -> Table:
        key_kind = Kind.DATE if self.rows and isinstance(self.rows[0].key, date) else Kind.TEXT
        return Table(
            self.title,
            ((self.key_title, key_kind), ("Tickets", Kind.COUNT), ("Ventas", Kind.MONEY),
             ("Devoluciones", Kind.MONEY), ("Neto", Kind.MONEY)),
            [(r.key if key_kind is Kind.DATE else r.label, r.tickets, r.gross, r.returns, r.net)
             for r in self.rows],
            ("Total", self.tickets, self.gross, self.returns, self.net),
        )


# ---- products: top sellers and gross margin ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductSales:
    """One product's period, net of its returns. Lines with no product (común) group by name."""

    product_id: str | None
    name: str
    department: str
    qty_milli: int
    amount: Centavos


@dataclass(frozen=True, slots=True)
class TopProducts:
    by: Literal["amount", "qty"]
    rows: list[ProductSales]

    def table(self) -> Table:
        what = "importe" if self.by == "amount" else "cantidad"
        return Table(
            f"Productos más vendidos por {what}",
            (("#", Kind.COUNT), ("Producto", Kind.TEXT), ("Departamento", Kind.TEXT),
             ("Cantidad", Kind.QTY), ("Importe", Kind.MONEY)),
            [(i, p.name, p.department, p.qty_milli, p.amount) for i, p in enumerate(self.rows, 1)],
        )


@dataclass(frozen=True, slots=True)
class MarginRow:
    name: str
    qty_milli: int
    net: Centavos
    cost: Centavos | None  # None: "sin costo", left out of the margin

    @property
    def unit_cost(self) -> Centavos | None:
        """The average cost per unit (or kg) of what was sold net of returns."""
        if self.cost is None:
            return None
        return div_round_half_up(self.cost * QTY_SCALE, self.qty_milli) if self.qty_milli > 0 else None

    @property
    def margin(self) -> Centavos | None:
        return None if self.cost is None else self.net - self.cost


@dataclass(frozen=True, slots=True)
class GrossMargin:
    """Net sales minus cost, per product.

    Each sale line carries the product's unit cost when it was sold, so a later cost change
    does not move past margins; a returned quantity takes back its cost at that same line cost.
    Lines from before costs were recorded (and returns of sales not on this device) fall back
    to the product's *current* cost. Lines with no cost either way (cost 0, común lines) are
    listed as "sin costo" and kept out of the margin and its percentage, which would otherwise
    look better than it is; a product with both kinds of lines shows on two rows.
    """

    rows: list[MarginRow]

    @property
    def net_sales(self) -> Centavos:
        return sum(r.net for r in self.rows)

    @property
    def costed_sales(self) -> Centavos:
        return sum(r.net for r in self.rows if r.cost is not None)

    @property
    def uncosted_sales(self) -> Centavos:
        return self.net_sales - self.costed_sales

    @property
    def cost(self) -> Centavos:
        return sum(r.cost or 0 for r in self.rows)

    @property
    def margin(self) -> Centavos:
        return self.costed_sales - self.cost

    @property
    def margin_bp(self) -> int | None:
        """Margin over costed sales, in basis points (2534 is 25.34 %); None with no such sales."""
        return share_bp(self.margin, self.costed_sales)

    def table(self) -> Table:
        return Table(
            "Margen bruto",
            (("Producto", Kind.TEXT), ("Cantidad", Kind.QTY), ("Ventas netas", Kind.MONEY),
             ("Costo unitario", Kind.MONEY), ("Costo", Kind.MONEY), ("Margen", Kind.MONEY),
             ("Margen %", Kind.PERCENT)),
            [(r.name, r.qty_milli, r.net, r.unit_cost if r.cost is not None else "sin costo",
              r.cost, r.margin, share_bp(r.margin, r.net) if r.margin is not None else None)
             for r in self.rows],
            ("Total con costo", None, self.costed_sales, None, self.cost, self.margin, self.margin_bp),
        )


def share_bp(part: int, whole: int) -> int | None:
    return div_round_half_up(part * 10_000, whole) if whole > 0 else None


# ---- IVA for the accountant ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IvaRow:
    rate: IvaRate
    sold: TaxSplit
    returned: TaxSplit

    @property
    def net(self) -> TaxSplit:
        s, r = self.sold, self.returned
        return TaxSplit(total=s.total - r.total, base=s.base - r.base, ieps=s.ieps - r.ieps,
                        iva=s.iva - r.iva)


@dataclass(frozen=True, slots=True)
class IvaSummary:
    """Per IVA rate: sales, returns, and the net split into base, IEPS and IVA.

    Each sale line is split exactly as its ticket splits it (``split_included`` on the line's
    total, then added per rate), and each returned line the same way with its own amount, so
    these figures match the tickets to the centavo. ``base + ieps + iva == total`` on every row;
    the exento row's base is the exento amount.
    """

    rows: list[IvaRow]

    def net(self, rate: IvaRate) -> TaxSplit:
        return next((r.net for r in self.rows if r.rate is rate), ZERO_SPLIT)

    @property
    def total(self) -> Centavos:
        return sum(r.net.total for r in self.rows)

    @property
    def iva(self) -> Centavos:
        return sum(r.net.iva for r in self.rows)

    @property
    def ieps(self) -> Centavos:
        return sum(r.net.ieps for r in self.rows)

    @property
    def exento(self) -> Centavos:
        return self.net(IvaRate.EXENTO).base

    @property
    def taxed_base(self) -> Centavos:
        """Bases of the 16 %, 8 % and 0 % rates (exento is not a taxed base)."""
        return sum(r.net.base for r in self.rows if r.rate is not IvaRate.EXENTO)

    def table(self) -> Table:
        return Table(
            "Resumen de IVA",
            (("Tasa", Kind.TEXT), ("Ventas", Kind.MONEY), ("Devoluciones", Kind.MONEY),
             ("Neto", Kind.MONEY), ("Base", Kind.MONEY), ("IEPS", Kind.MONEY), ("IVA", Kind.MONEY)),
            [(r.rate.label, r.sold.total, r.returned.total, r.net.total, r.net.base, r.net.ieps,
              r.net.iva) for r in self.rows],
            ("Total", sum(r.sold.total for r in self.rows), sum(r.returned.total for r in self.rows),
             self.total, sum(r.net.base for r in self.rows), self.ieps, self.iva),
        )


# ---- all of them at once ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportSet:
    """Every report of one period, computed from one read of the store (fiado aging has no
    period: :func:`reports.aging`)."""

    period: Period
    by_day: Breakdown
    by_hour: Breakdown
    by_department: Breakdown
    by_payment: Breakdown
    top: TopProducts
    margin: GrossMargin
    iva: IvaSummary


def aging_table(report: AgingReport | None) -> Table:
    """Who owes fiado and how old the unpaid part is (oldest debt first), as a report table."""
    accounts_ = report.accounts if report else ()
    totals = report.totals if report else (0, 0, 0, 0)
    return Table(
        "Fiados por antigüedad",
        (("Cliente", Kind.TEXT), ("Saldo", Kind.MONEY), ("Límite", Kind.MONEY),
         ("Días", Kind.COUNT), *((bucket, Kind.MONEY) for bucket in AGING_BUCKETS)),
        [(a.name, a.balance, a.credit_limit, a.age_days, *a.buckets) for a in accounts_],
        ("Total", sum(totals), None, None, *totals),
    )
