"""Property: for random days of sales (mixed rates and IEPS, discounts, weighed goods, partial
and full returns, mixed payments), the signed global invoice adds up to the day's IVA report
per rate to the centavo, each concept within SAT's tolerance; tickets invoiced on their own
and tickets returned in full are not in it; its XML validates against SAT's XSD."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from satcfdi.cfdi import CFDI

from shared.fiscal import check_receptor
from shared.money import div_round_half_up
from shared.quantity import value_of
from shared.sale import PaymentMethod
from shared.tax import IvaRate, TaxSplit, split_included
from sync_server.cfdi import build, documents
from sync_server.cfdi.amounts import ZERO, add, sub, within_tolerance
from sync_server.cfdi.csd import open_csd
from sync_server.cfdi.tickets import Period, Periodicity, SoldLine, Ticket
from tests.support.fakes.csd import make_csd

ISSUER = build.Issuer("EKU9003173C9", "ESCUELA KEMPER URGATE", "601", "76028")
CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")
DAY = Period(Periodicity.DAILY, datetime(2026, 12, 4).date(), datetime(2026, 12, 5).date())
NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def signer():
    csd = make_csd()
    return open_csd(csd.certificate, csd.key, csd.password)


@st.composite
def tickets(draw, n: int) -> Ticket:
    lines, returned = [], []
    for line_no in range(1, draw(st.integers(1, 5)) + 1):
        rate = draw(st.sampled_from(list(IvaRate)))
        ieps = 0 if rate is IvaRate.EXENTO else draw(st.sampled_from([0, 0, 800, 2650, 5300]))
        weighed = draw(st.booleans())
        qty = draw(st.integers(1, 5_000)) if weighed else draw(st.integers(1, 6)) * 1000
        gross = value_of(qty, draw(st.integers(1, 60_000)))
        total = gross - draw(st.integers(0, gross // 3))  # a discount
        if total <= 0:
            continue
        back = 0
        for _ in range(draw(st.integers(0, 2))):  # returns: cumulative shares, as the till
            more = draw(st.integers(0, qty - back))
            if more:
                amount = (div_round_half_up(total * (back + more), qty)
                          - div_round_half_up(total * back, qty))
                returned.append((line_no, more, amount))
                back += more
        lines.append(SoldLine(line_no, f"Producto {line_no}", qty, total, rate, ieps, weighed))
    if not lines:
        lines = [SoldLine(1, "Refresco", 1000, 1800, IvaRate.GENERAL, 0)]
    total = sum(ln.total for ln in lines)
    cash = draw(st.integers(0, total))
    card = draw(st.integers(0, total - cash))
    paid = {m: a for m, a in ((PaymentMethod.CASH, cash), (PaymentMethod.CARD, card),
                              (PaymentMethod.TRANSFER, total - cash - card)) if a}
    return Ticket(uuid.uuid4(), f"C1-{n:06d}", datetime(2026, 12, 4, 12, tzinfo=UTC), total,
                  lines, paid, returned)


@st.composite
def days(draw) -> tuple[list[Ticket], set[int]]:
    day = [draw(tickets(n)) for n in range(1, draw(st.integers(1, 8)) + 1)]
    own = set(draw(st.sets(st.integers(0, len(day) - 1), max_size=1)))
    return day, own


def report(day: list[Ticket]) -> dict[IvaRate, TaxSplit]:
    """The till's IVA report: every line's split, less every returned line's split, per rate."""
    out: dict[IvaRate, TaxSplit] = {}
    for t in day:
        for ln in t.lines:
            out[ln.iva] = add(out.get(ln.iva, ZERO), split_included(ln.total, ln.iva, ln.ieps_bp))
        for line_no, _, amount in t.returned:
            ln = next(x for x in t.lines if x.line_no == line_no)
            out[ln.iva] = sub(out[ln.iva], split_included(amount, ln.iva, ln.ieps_bp))
    return out


def cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


@dataclass
class Seen:
    """What a CFDI says, added up: per IVA rate its traslados' base and tax; IEPS and the
    concepts' base (Importe) overall; each traslado checked against SAT's tolerance."""

    iva: dict[IvaRate, tuple[int, int]] = field(default_factory=dict)
    ieps: int = 0
    base: int = 0
    total: int = 0

    def expect(self, report: dict[IvaRate, TaxSplit], left: dict[IvaRate, TaxSplit]) -> None:
        """``report`` less what the invoice left out (a rounding residue, never money)."""
        for rate, want in report.items():
            gone = left.get(rate, ZERO)
            assert gone.total == 0
            b, t = self.iva.get(rate, (0, 0))
            assert (b + gone.base + gone.ieps, t + gone.iva) == (want.base + want.ieps, want.iva)
        assert self.ieps + sum(g.ieps for g in left.values()) == sum(r.ieps for r in report.values())
        assert self.base + sum(g.base for g in left.values()) == sum(r.base for r in report.values())
        assert self.total == sum(r.total for r in report.values())


def seen(doc: CFDI) -> Seen:
    out = Seen(total=cents(doc["Total"]))
    for c in doc["Conceptos"]:
        out.base += cents(c["Importe"])
        for key, t in c["Impuestos"]["Traslados"].items():
            if key.startswith("003|"):
                out.ieps += cents(t["Importe"])
                assert within_tolerance(cents(t["Base"]), cents(t["Importe"]),
                                        cents(t["TasaOCuota"] * 100))
                continue
            if key.startswith("002|Exento"):
                rate, tax = IvaRate.EXENTO, 0
            else:
                rate = {16: IvaRate.GENERAL, 8: IvaRate.FRONTERA, 0: IvaRate.TASA_CERO}[
                    int(t["TasaOCuota"] * 100)]
                tax = cents(t["Importe"])
                assert within_tolerance(cents(t["Base"]), tax, rate.basis_points)
            b, x = out.iva.get(rate, (0, 0))
            out.iva[rate] = (b + cents(t["Base"]), x + tax)
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_the_global_invoice_adds_up_to_the_days_iva_report(signer, generated):
    day, own_idx = generated
    own = [day[i] for i in own_idx]
    rest = [t for i, t in enumerate(day) if i not in own_idx]
    signed = documents.global_invoice(ISSUER, signer, rest, DAY, serie="FG", folio=1,
                                      fecha=NOW, card_forma="04") if any(
        t.net_total > 0 for t in rest) else None
    if signed:
        doc = CFDI.from_string(signed.xml)
        seen(doc).expect(report(rest), signed.left_out)
        folios = {c["NoIdentificacion"] for c in doc["Conceptos"]}
        assert folios == {t.folio for t in rest if t.net_total > 0}  # none invoiced alone,
        assert cents(doc["Total"]) == sum(t.net_total for t in rest)  # none returned in full
    for t in own:  # and each own invoice adds up to its ticket's part of the report
        if t.net_total > 0:
            mine = documents.ticket_invoice(ISSUER, signer, t, CUSTOMER, serie="F", folio=1,
                                            fecha=NOW, card_forma="04")
            seen(CFDI.from_string(mine.xml)).expect(report([t]), mine.left_out)
