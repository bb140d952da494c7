"""Scale labels: prefix, PLU, value and check digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.scale import ean13_check_digit, parse_scale_label, plu_candidates

pytestmark = pytest.mark.unit


def label(prefix: int, plu: str, value: int) -> str:
    body = f"{prefix}{plu}{value:05d}"
    return body + str(ean13_check_digit(body))


def test_a_weight_label_gives_the_grams():
    parsed = parse_scale_label(label(20, "00123", 1250))
    assert parsed is not None
    assert (parsed.plu, parsed.grams, parsed.price) == ("00123", 1250, None)


def test_a_price_label_gives_the_price_of_the_piece():
    parsed = parse_scale_label(label(27, "04567", 8990))
    assert parsed is not None
    assert (parsed.plu, parsed.grams, parsed.price) == ("04567", None, 8990)


def test_known_ean13_check_digit():
    assert ean13_check_digit("750105530007") == 5  # Coca-Cola 600 ml: 7501055300075


@pytest.mark.parametrize("code", [
    "7501055300075",  # a normal product
    "2000123012500",  # wrong check digit: a misread
    "200012301250",   # 12 digits
    "20001230125001",  # 14 digits
    "20A0123012500",
])
def test_anything_else_is_not_a_scale_label(code):
    assert parse_scale_label(code) is None


def test_a_zero_value_is_not_a_sale():
    assert parse_scale_label(label(21, "00001", 0)) is None


@given(st.integers(20, 29), st.integers(0, 99_999), st.integers(1, 99_999))
def test_every_valid_label_round_trips(prefix, plu, value):
    parsed = parse_scale_label(label(prefix, f"{plu:05d}", value))
    assert parsed is not None
    assert parsed.plu == f"{plu:05d}"
    assert (parsed.grams if prefix < 25 else parsed.price) == value


def test_plu_candidates_accept_the_code_without_leading_zeros():
    assert plu_candidates("00123") == ["00123", "123"]
    assert plu_candidates("12345") == ["12345"]


@given(st.integers(1_000, 100_000), st.integers(100, 20_000))
def test_a_price_label_line_comes_to_the_label_amount(price_per_kg, label_price):
    from shared.sale import line_total
    from shared.scale import price_label_line

    unit, grams = price_label_line(price_per_kg, label_price)
    assert grams >= 1
    assert unit > 0
    if grams <= 1000:  # below a kilo some unit price always gets there exactly
        assert line_total(unit, grams) == label_price
