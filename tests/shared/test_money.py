"""Money helpers: es-MX formatting and parsing of typed amounts, and half-up rounding."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import InvalidAmount
from shared.money import MAX_TYPED_CENTAVOS, div_round_half_up, format_mxn, parse_mxn

pytestmark = pytest.mark.unit


def assert_refused(text: str, *, allow_negative: bool = False) -> InvalidAmount:
    """Parse ``text`` expecting a cashier-facing refusal; return it for further checks."""
    with pytest.raises(InvalidAmount) as info:
        parse_mxn(text, allow_negative=allow_negative)
    exc = info.value
    assert exc.code == "invalid_amount"
    assert exc.message.strip()
    assert str(exc) == exc.message
    return exc


def exact_half_away_from_zero(numerator: int, denominator: int) -> int:
    """The reference rounding, computed on exact rationals."""
    exact = Fraction(numerator, denominator)
    magnitude = math.floor(abs(exact) + Fraction(1, 2))
    return -magnitude if exact < 0 else magnitude


# ---- format_mxn / parse_mxn round trip -------------------------------------------------------


@given(st.integers(min_value=0, max_value=MAX_TYPED_CENTAVOS))
def test_format_then_parse_gives_back_the_amount(centavos: int) -> None:
    assert parse_mxn(format_mxn(centavos)) == centavos


@given(st.integers(min_value=-MAX_TYPED_CENTAVOS, max_value=0))
def test_negative_amounts_round_trip_when_allowed(centavos: int) -> None:
    assert parse_mxn(format_mxn(centavos), allow_negative=True) == centavos


@pytest.mark.parametrize(
    ("centavos", "shown"),
    [
        (0, "$0.00"),
        (5, "$0.05"),
        (123450, "$1,234.50"),
        (MAX_TYPED_CENTAVOS, "$1,000,000.00"),
        (-1200, "-$12.00"),
    ],
)
def test_format_mxn_writes_es_mx_amounts(centavos: int, shown: str) -> None:
    assert format_mxn(centavos) == shown


# ---- parse_mxn: what a cashier types ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "centavos"),
    [
        ("12.5", 1250),
        ("$1,200", 120000),
        (" 20 ", 2000),
        (".5", 50),
        ("1200.00", 120000),
        ("$ 15", 1500),
        ("0.05", 5),
        ("7", 700),
        ("1,000,000", MAX_TYPED_CENTAVOS),
        ("$1,234.56", 123456),
    ],
)
def test_parse_mxn_accepts_cashier_input(typed: str, centavos: int) -> None:
    assert parse_mxn(typed) == centavos


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("12,5", "no es un importe válido"),  # a decimal comma is ambiguous in es-MX
        ("1,00", "no es un importe válido"),
        ("1,2000", "no es un importe válido"),
        ("abc", "no es un importe válido"),
        ("", "no es un importe válido"),
        ("$", "no es un importe válido"),
        ("1.234", "dos decimales"),  # might be 1,234 written the European way
        ("12.5.0", "dos decimales"),
        ("-5", "negativo"),
        ("1000000.01", "demasiado grande"),
        ("2,000,000", "demasiado grande"),
    ],
)
def test_parse_mxn_refuses_with_a_spanish_reason(typed: str, reason: str) -> None:
    exc = assert_refused(typed)
    assert reason in exc.message


def test_negative_amount_is_accepted_only_when_allowed() -> None:
    assert_refused("-5")
    assert parse_mxn("-5", allow_negative=True) == -500
    assert parse_mxn("-$1,200.50", allow_negative=True) == -120050


def test_too_large_negative_amount_is_refused_even_when_negatives_are_allowed() -> None:
    exc = assert_refused("-1000000.01", allow_negative=True)
    assert "demasiado grande" in exc.message


@pytest.mark.parametrize("digits", [5_000, 20_000])
def test_very_long_digit_strings_are_refused_as_invalid_amounts(digits: int) -> None:
    # A stuck key or a paste into the amount field: the cashier must get the Spanish refusal,
    # not a ValueError from int() that the UI does not catch.
    assert_refused("9" * digits)
    assert_refused("0" * digits + "1")


@given(st.integers(min_value=MAX_TYPED_CENTAVOS + 1, max_value=10**15))
def test_anything_above_the_typing_limit_is_refused(centavos: int) -> None:
    exc = assert_refused(format_mxn(centavos))
    assert "demasiado grande" in exc.message


# ---- div_round_half_up -----------------------------------------------------------------------


@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.integers(min_value=1, max_value=10**6),
)
def test_div_round_half_up_matches_exact_rounding(numerator: int, denominator: int) -> None:
    assert div_round_half_up(numerator, denominator) == exact_half_away_from_zero(
        numerator, denominator
    )


@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(min_value=1, max_value=10**4))
def test_div_round_half_up_is_symmetric_around_zero(numerator: int, denominator: int) -> None:
    assert div_round_half_up(-numerator, denominator) == -div_round_half_up(numerator, denominator)


@pytest.mark.parametrize(
    ("numerator", "denominator", "rounded"),
    [(5, 2, 3), (-5, 2, -3), (7, 3, 2), (-7, 3, -2), (8, 3, 3), (-8, 3, -3), (0, 7, 0), (1, 2, 1)],
)
def test_div_round_half_up_examples(numerator: int, denominator: int, rounded: int) -> None:
    assert div_round_half_up(numerator, denominator) == rounded


@pytest.mark.parametrize("denominator", [0, -1, -100])
def test_div_round_half_up_refuses_non_positive_denominators(denominator: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        div_round_half_up(10, denominator)


@pytest.mark.parametrize("typed", [".", "1 2", "5\n.50", "١٢", "５", "$"])
def test_odd_keystrokes_are_refused_not_guessed(typed: str) -> None:
    assert_refused(typed)
