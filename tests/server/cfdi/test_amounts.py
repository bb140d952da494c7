"""Concept amounts: the till's totals to the centavo, each concept within SAT's tolerance."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.money import div_round_half_up
from shared.tax import IvaRate, split_included
from sync_server.cfdi.amounts import (
    ZERO,
    Group,
    TaxKey,
    add,
    fit_concepts,
    fit_tickets,
    group_lines,
    net_line,
    tax_window,
    totals_by_rate,
    within_tolerance,
    within_window,
)

RATES = [IvaRate.GENERAL, IvaRate.FRONTERA, IvaRate.TASA_CERO, IvaRate.EXENTO]


def test_one_line_split_is_always_within_tolerance():
    for total in range(1, 5000):
        for rate in RATES:
            for ieps in (0, 800, 2650):
                s = split_included(total, rate, ieps)
                assert within_tolerance(s.base + s.ieps, s.iva, rate.basis_points)
                if ieps:
                    assert within_tolerance(s.base, s.ieps, ieps)


def test_the_tolerance_is_sats_formula():
    # Base 100.00 at 16 %: 15.99 (trunc 99.995 × .16 = 15.9992) up to 16.01 (ceil 16.0008).
    assert [within_tolerance(10_000, t, 1600) for t in (1598, 1599, 1600, 1601, 1602)] == [
        False, True, True, True, False]
    assert tax_window(11_600, 1600) == (1600, 1600)  # 116.00 is 100.00 + 16.00, nothing else
    assert tax_window(11 * 3, 1600) == (4, 5)  # 0.33: 0.29 + 0.04 or 0.28 + 0.05


def test_a_ticket_of_many_lines_drifting_one_way_is_brought_back_inside():
    # 4 lines of $0.11 at 16 %: each base 0.09, IVA 0.02 (0.56¢ over 0.09 × .16); the
    # ticket's base 0.36 would carry 0.06 at most, not 0.08.
    lines = [(TaxKey(IvaRate.GENERAL), split_included(11, IvaRate.GENERAL)) for _ in range(4)]
    groups = group_lines("C1-000001", lines)
    assert not within_tolerance(groups[0].split.base, groups[0].split.iva, 1600)
    fit = fit_concepts(groups)
    concepts = fit.concepts
    assert totals_by_rate(concepts)[IvaRate.GENERAL] == groups[0].split
    assert not fit.left_out
    assert len(concepts) > 1
    assert {c.ref for c in concepts} == {"C1-000001"}
    for c in concepts:
        assert within_tolerance(c.split.base, c.split.iva, 1600)


@st.composite
def days(draw):
    tickets = []
    for t in range(draw(st.integers(1, 12))):
        lines = []
        for _ in range(draw(st.integers(1, 6))):
            rate = draw(st.sampled_from(RATES))
            ieps = draw(st.sampled_from([0, 0, 800, 2650])) if rate is not IvaRate.EXENTO else 0
            total = draw(st.integers(1, 200_000))
            qty = draw(st.integers(1, 5)) * 1000
            returned, back = [], 0
            for _ in range(draw(st.integers(0, 2))):  # partial returns, cumulative like the till
                more = draw(st.integers(0, (qty - back) // 1000)) * 1000
                if not more:
                    continue
                after = div_round_half_up(total * (back + more), qty)
                returned.append(after - div_round_half_up(total * back, qty))
                back += more
            lines.append((rate, ieps, total, returned))
        tickets.append((f"C1-{t + 1:06d}", lines))
    return tickets


@settings(max_examples=300, deadline=None)
@given(days())
def test_concepts_add_up_to_the_iva_report_and_each_fits(day):
    report: dict[IvaRate, object] = {}
    groups: list[Group] = []
    for folio, lines in day:
        keyed = []
        for rate, ieps, total, returned in lines:
            net = net_line(total, rate, ieps, returned)
            keyed.append((TaxKey(rate, ieps), net))
            report[rate] = add(report.get(rate, ZERO), net)
        groups += group_lines(folio, keyed)
    fit = fit_concepts(groups)
    got = totals_by_rate(fit.concepts)
    for rate, expected in report.items():
        assert add(got.get(rate, ZERO), fit.left_out.get(rate, ZERO)) == expected
    returns = sum(len(r) for _, lines in day for *_, r in lines)
    for residue in fit.left_out.values():  # only ever a rounding residue of returns
        assert residue.total == 0
        assert abs(residue.iva) + abs(residue.ieps) <= returns
    for c in fit.concepts:
        s = c.split
        assert s.total == s.base + s.ieps + s.iva
        assert s.base > 0
        assert s.ieps >= 0
        assert s.iva >= 0
        assert within_tolerance(s.base + s.ieps, s.iva, c.key.iva.basis_points)
        if c.key.ieps_bp:
            assert within_tolerance(s.base, s.ieps, c.key.ieps_bp)


def test_a_ticket_of_several_rates_is_one_concept_with_a_traslado_each():
    lines = [(TaxKey(IvaRate.GENERAL), split_included(1800, IvaRate.GENERAL)),
             (TaxKey(IvaRate.GENERAL, 800), split_included(1700, IvaRate.GENERAL, 800)),
             (TaxKey(IvaRate.TASA_CERO, 800), split_included(2500, IvaRate.TASA_CERO, 800)),
             (TaxKey(IvaRate.EXENTO), split_included(12000, IvaRate.EXENTO))]
    [c] = fit_tickets([("C1-000001", lines)]).concepts
    assert c.ref == "C1-000001"
    assert c.taxed.total == 18_000
    assert [r for r, _, _ in c.taxed.iva] == [IvaRate.GENERAL, IvaRate.TASA_CERO, IvaRate.EXENTO]
    papas = split_included(1700, IvaRate.GENERAL, 800)  # IEPS 8 %: one traslado for both lines
    assert [(bp, b + t) for bp, b, t in c.taxed.ieps] == [(800, papas.base + papas.ieps + 2500)]
    assert within_window(c.taxed)


@settings(max_examples=400, deadline=None)
@given(days())
def test_one_concept_per_ticket_adds_up_to_the_iva_report(day):
    report: dict[IvaRate, object] = {}
    tickets = []
    for folio, lines in day:
        keyed = []
        for rate, ieps, total, returned in lines:
            net = net_line(total, rate, ieps, returned)
            keyed.append((TaxKey(rate, ieps), net))
            report[rate] = add(report.get(rate, ZERO), net)
        tickets.append((folio, keyed))
    fit = fit_tickets(tickets)
    iva: dict[IvaRate, tuple[int, int]] = {}
    for c in fit.concepts:
        assert within_window(c.taxed)
        for rate, b, t in c.taxed.iva:
            got = iva.get(rate, (0, 0))
            iva[rate] = (got[0] + b, got[1] + t)
    for rate, want in report.items():
        gone = fit.left_out.get(rate, ZERO)
        b, t = iva.get(rate, (0, 0))
        assert (b + gone.base + gone.ieps, t + gone.iva) == (want.base + want.ieps, want.iva)
    assert sum(c.taxed.total for c in fit.concepts) == sum(r.total for r in report.values())
