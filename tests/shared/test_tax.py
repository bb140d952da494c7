"""Tax splits of tax-included prices, and per-rate summaries of a ticket's lines."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.tax import IvaRate, TaxSplit, split_included, summarize

pytestmark = pytest.mark.unit

_BP = 10_000

totals = st.integers(min_value=0, max_value=10**9)
rates = st.sampled_from(list(IvaRate))
ieps_rates = st.integers(min_value=0, max_value=10_000)


def exact_parts(total: int, rate: IvaRate, ieps_bp: int) -> tuple[Fraction, Fraction, Fraction]:
    """(base, ieps, iva) without rounding: IVA is charged on the price including IEPS."""
    before_iva = Fraction(total * _BP, _BP + rate.basis_points)
    base = before_iva * Fraction(_BP, _BP + ieps_bp)
    return base, before_iva - base, total - before_iva


# ---- split_included --------------------------------------------------------------------------


@settings(max_examples=200)
@given(totals, rates, ieps_rates)
def test_parts_add_back_to_the_total(total: int, rate: IvaRate, ieps_bp: int) -> None:
    split = split_included(total, rate, ieps_bp)
    assert split.total == total
    assert split.base + split.ieps + split.iva == total
    assert split.base >= 0
    assert split.ieps >= 0
    assert split.iva >= 0


@settings(max_examples=200)
@given(totals, rates, ieps_rates)
def test_each_part_is_within_a_centavo_of_the_exact_value(
    total: int, rate: IvaRate, ieps_bp: int
) -> None:
    split = split_included(total, rate, ieps_bp)
    base, ieps, iva = exact_parts(total, rate, ieps_bp)
    assert abs(split.base - base) <= 1
    assert abs(split.ieps - ieps) <= 1
    # IVA comes from a single rounding, so it must be the nearest centavo, not just a close one.
    assert abs(split.iva - iva) <= Fraction(1, 2)


@settings(max_examples=200)
@given(totals, rates)
def test_without_ieps_the_base_is_the_nearest_centavo(total: int, rate: IvaRate) -> None:
    split = split_included(total, rate)
    base, _, _ = exact_parts(total, rate, 0)
    assert split.ieps == 0
    assert abs(split.base - base) <= Fraction(1, 2)


@given(totals, st.sampled_from([IvaRate.TASA_CERO, IvaRate.EXENTO]), ieps_rates)
def test_zero_rated_and_exempt_goods_carry_no_iva(total: int, rate: IvaRate, ieps_bp: int) -> None:
    split = split_included(total, rate, ieps_bp)
    assert split.iva == 0
    assert split.base + split.ieps == total


@pytest.mark.parametrize(
    ("total", "rate", "ieps_bp", "expected"),
    [
        (11600, IvaRate.GENERAL, 0, TaxSplit(total=11600, base=10000, ieps=0, iva=1600)),
        (10800, IvaRate.FRONTERA, 0, TaxSplit(total=10800, base=10000, ieps=0, iva=800)),
        (10000, IvaRate.TASA_CERO, 0, TaxSplit(total=10000, base=10000, ieps=0, iva=0)),
        (10000, IvaRate.EXENTO, 0, TaxSplit(total=10000, base=10000, ieps=0, iva=0)),
        # 8% IEPS on a $100.00 base is $108.00; 16% IVA on that is $17.28.
        (12528, IvaRate.GENERAL, 800, TaxSplit(total=12528, base=10000, ieps=800, iva=1728)),
        # $1.00 at 16%: 86.206… rounds to 86, so IVA takes the remaining 14.
        (100, IvaRate.GENERAL, 0, TaxSplit(total=100, base=86, ieps=0, iva=14)),
        (0, IvaRate.GENERAL, 800, TaxSplit(total=0, base=0, ieps=0, iva=0)),
    ],
)
def test_known_splits(total: int, rate: IvaRate, ieps_bp: int, expected: TaxSplit) -> None:
    assert split_included(total, rate, ieps_bp) == expected


def test_negative_ieps_is_refused() -> None:
    with pytest.raises(ValueError, match="IEPS"):
        split_included(11600, IvaRate.GENERAL, -1)


def test_rate_codes_are_the_ones_stored_and_sent() -> None:
    assert {rate.value: rate.basis_points for rate in IvaRate} == {
        "16": 1600,
        "8": 800,
        "0": 0,
        "exento": 0,
    }
    assert IvaRate("16") is IvaRate.GENERAL
    assert IvaRate("exento") is IvaRate.EXENTO


# ---- summarize -------------------------------------------------------------------------------

line_specs = st.lists(
    st.tuples(rates, st.integers(min_value=0, max_value=10**7), st.integers(0, 10_000)),
    max_size=40,
)


@given(line_specs)
def test_summary_sums_line_splits_per_rate(specs: list[tuple[IvaRate, int, int]]) -> None:
    splits = [(rate, split_included(amount, rate, ieps_bp)) for rate, amount, ieps_bp in specs]
    summary = summarize(splits)

    assert set(summary.by_rate) == {rate for rate, _ in splits}
    for rate, summed in summary.by_rate.items():
        mine = [split for r, split in splits if r is rate]
        assert summed.total == sum(s.total for s in mine)
        assert summed.base == sum(s.base for s in mine)
        assert summed.ieps == sum(s.ieps for s in mine)
        assert summed.iva == sum(s.iva for s in mine)
        assert summed.base + summed.ieps + summed.iva == summed.total


@given(line_specs)
def test_summary_total_equals_the_sum_of_line_totals(specs: list[tuple[IvaRate, int, int]]) -> None:
    splits = [(rate, split_included(amount, rate, ieps_bp)) for rate, amount, ieps_bp in specs]
    summary = summarize(splits)
    assert summary.total == sum(amount for _, amount, _ in specs)
    assert summary.iva == sum(split.iva for _, split in splits)
    assert summary.ieps == sum(split.ieps for _, split in splits)


def test_summary_lists_higher_rates_first() -> None:
    lines = [
        (IvaRate.TASA_CERO, split_included(2000, IvaRate.TASA_CERO)),
        (IvaRate.FRONTERA, split_included(1080, IvaRate.FRONTERA)),
        (IvaRate.GENERAL, split_included(1160, IvaRate.GENERAL)),
    ]
    assert list(summarize(lines).by_rate) == [IvaRate.GENERAL, IvaRate.FRONTERA, IvaRate.TASA_CERO]


def test_summary_of_no_lines_is_empty() -> None:
    summary = summarize([])
    assert summary.by_rate == {}
    assert (summary.total, summary.iva, summary.ieps) == (0, 0, 0)
