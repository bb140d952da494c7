"""Quantities: typed, shown and priced as integer thousandths (grams for weighed goods), signs
included, never through a float."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import InvalidQuantity
from shared.quantity import (
    MAX_QTY_MILLI,
    QTY_SCALE,
    check_quantity,
    format_quantity,
    parse_quantity,
    quantity_text,
    value_of,
)

pytestmark = pytest.mark.unit

# ---- check_quantity --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qty_milli", "reason"),
    [
        (0, "mayor que cero"),
        (-1, "mayor que cero"),
        (-1000, "mayor que cero"),
        (MAX_QTY_MILLI + 1, "demasiado grande"),
        (10**12, "demasiado grande"),
    ],
)
def test_check_quantity_refuses_in_spanish(qty_milli: int, reason: str) -> None:
    with pytest.raises(InvalidQuantity) as info:
        check_quantity(qty_milli)
    assert info.value.code == "invalid_quantity"
    assert reason in info.value.message


@pytest.mark.parametrize("qty_milli", [1, 333, 1000, MAX_QTY_MILLI])
def test_check_quantity_accepts_sensible_quantities(qty_milli: int) -> None:
    check_quantity(qty_milli)


# ---- parse_quantity --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "by_weight", "qty_milli"),
    [
        ("3", False, 3000),
        (" 12 ", False, 12_000),
        ("2.000", False, 2000),
        ("0.250", True, 250),
        (".5", True, 500),
        (".5 kg", True, 500),
        ("1.25KG", True, 1250),
        ("250 g", True, 250),
        ("250g", True, 250),
        ("1 g", True, 1),
        ("10000 g", True, 10_000),  # 10 kg in grams: more digits than kilograms have
        ("9999", False, MAX_QTY_MILLI),
    ],
)
def test_what_people_type_is_read_as_thousandths(text: str, by_weight: bool, qty_milli: int) -> None:
    assert parse_quantity(text, by_weight) == qty_milli


@pytest.mark.parametrize(
    ("text", "by_weight", "reason"),
    [
        ("", True, "no es una cantidad válida"),
        ("   ", False, "no es una cantidad válida"),
        (".", True, "no es una cantidad válida"),
        ("abc", True, "no es una cantidad válida"),
        ("-1", False, "no es una cantidad válida"),  # a return is not typed as a negative sale
        ("1,5", True, "no es una cantidad válida"),
        ("1e3", True, "no es una cantidad válida"),
        ("0.2500", True, "no es una cantidad válida"),
        ("99999", False, "no es una cantidad válida"),  # a code typed into the quantity box
        ("٣", False, "no es una cantidad válida"),  # other scripts' digits
        ("inf", True, "no es una cantidad válida"),
        ("1.5", False, "por pieza"),
        ("250 g", False, "por pieza"),
        ("2 kg", False, "por pieza"),
        ("2.5 g", True, "sin decimales"),
        ("9999001 g", True, "demasiado grande"),
        ("0", False, "mayor que cero"),
        ("0 g", True, "mayor que cero"),
    ],
)
def test_what_is_not_a_quantity_is_refused_in_spanish(text: str, by_weight: bool, reason: str) -> None:
    with pytest.raises(InvalidQuantity) as info:
        parse_quantity(text, by_weight)
    assert info.value.code == "invalid_quantity"
    assert reason in info.value.message


def test_a_stock_minimum_may_be_zero_and_larger_than_a_sale_line() -> None:
    limit = MAX_QTY_MILLI * 100
    assert parse_quantity("0", False, allow_zero=True, limit=limit) == 0
    assert parse_quantity("12345", False, allow_zero=True, limit=limit) == 12_345_000
    assert parse_quantity("1.5", True, allow_zero=True, limit=limit) == 1500
    with pytest.raises(InvalidQuantity, match="no es una cantidad válida"):
        parse_quantity("1234567", False, allow_zero=True, limit=limit)
    with pytest.raises(InvalidQuantity, match="demasiado grande"):
        parse_quantity("999999", False, allow_zero=True, limit=limit)


@given(st.integers(min_value=1, max_value=MAX_QTY_MILLI))
def test_a_weighed_quantity_reads_back_from_how_it_is_shown_or_written(qty_milli: int) -> None:
    assert parse_quantity(format_quantity(qty_milli, True), True) == qty_milli
    assert parse_quantity(quantity_text(qty_milli), True) == qty_milli
    assert parse_quantity(f"{qty_milli} g", True) == qty_milli


@given(st.integers(min_value=1, max_value=MAX_QTY_MILLI // QTY_SCALE))
def test_pieces_read_back_from_how_they_are_shown_or_written(pieces: int) -> None:
    qty_milli = pieces * QTY_SCALE
    assert parse_quantity(format_quantity(qty_milli), False) == qty_milli
    assert parse_quantity(quantity_text(qty_milli), False) == qty_milli


# ---- format_quantity and quantity_text -------------------------------------------------------


@pytest.mark.parametrize(
    ("qty_milli", "by_weight", "shown"),
    [
        (3000, False, "3"),
        (-3000, False, "-3"),
        (1500, False, "1.500"),
        (1250, True, "1.250 kg"),
        (250, True, "0.250 kg"),  # 250 grams
        (1, True, "0.001 kg"),  # one gram
        (-250, True, "-0.250 kg"),  # not "-1.750 kg": the sign goes on the whole number
        (-1, True, "-0.001 kg"),
        (0, True, "0.000 kg"),
        (0, False, "0"),
    ],
)
def test_quantities_are_shown_in_pieces_or_kilograms(qty_milli: int, by_weight: bool, shown: str) -> None:
    assert format_quantity(qty_milli, by_weight) == shown


def test_report_quantities_group_thousands() -> None:
    assert format_quantity(1_234_000, grouped=True) == "1,234"
    assert format_quantity(1_234_500, grouped=True) == "1,234.500"
    assert format_quantity(-1_234_500, grouped=True) == "-1,234.500"
    assert format_quantity(1_234_500, True, grouped=True) == "1,234.500 kg"


@given(st.integers(min_value=-(10**15), max_value=10**15), st.booleans(), st.booleans())
def test_shown_quantities_are_the_exact_decimal(qty_milli: int, by_weight: bool, grouped: bool) -> None:
    exact = Decimal(qty_milli) / QTY_SCALE
    spec = ",.3f" if grouped else ".3f"
    if by_weight:
        assert format_quantity(qty_milli, True, grouped=grouped) == f"{exact:{spec}} kg"
    elif qty_milli % QTY_SCALE == 0:
        assert format_quantity(qty_milli, grouped=grouped) == f"{exact:{spec[:-3]}f}".split(".")[0]
    else:
        assert format_quantity(qty_milli, grouped=grouped) == f"{exact:{spec}}"


@pytest.mark.parametrize(
    ("qty_milli", "text"),
    [(24_000, "24"), (1500, "1.5"), (250, "0.25"), (1, "0.001"), (0, "0"), (-250, "-0.25")],
)
def test_forms_and_spreadsheets_get_quantities_as_people_write_them(qty_milli: int, text: str) -> None:
    assert quantity_text(qty_milli) == text


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_written_quantities_are_the_exact_decimal(qty_milli: int) -> None:
    assert Decimal(quantity_text(qty_milli)) * QTY_SCALE == qty_milli


# ---- value_of --------------------------------------------------------------------------------


def test_a_quantity_is_priced_to_the_centavo_half_up() -> None:
    assert value_of(250, 11_990) == 2998  # 250 g at $119.90/kg = $29.975 → $29.98
    assert value_of(3000, 1850) == 5550
    assert value_of(-250, 11_990) == -2998  # a shrinkage is worth minus the same gain
    assert value_of(0, 11_990) == 0


@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(min_value=0, max_value=10**8))
def test_a_quantitys_value_is_within_half_a_centavo_and_symmetric(qty_milli: int, price: int) -> None:
    value = value_of(qty_milli, price)
    assert abs(Fraction(value) - Fraction(price * qty_milli, QTY_SCALE)) <= Fraction(1, 2)
    assert value_of(-qty_milli, price) == -value
