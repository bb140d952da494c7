"""Folios: one series per till, written, searched and read back by the same rules on both sides."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.folio import folio_ending, folio_number, folio_pattern, format_folio

pytestmark = pytest.mark.unit

CODES = st.from_regex(r"[A-Z][A-Z0-9]{0,7}", fullmatch=True)


def test_a_folio_is_the_tills_code_and_a_zero_padded_number():
    assert format_folio("C1", 1) == "C1-000001"
    assert format_folio("C12", 42) == "C12-000042"
    assert format_folio("C1", 1_234_567) == "C1-1234567"  # past a million it just grows


def test_there_is_no_folio_zero():
    with pytest.raises(ValueError, match="start at 1"):
        format_folio("C1", 0)


def test_the_number_on_a_ticket_finds_the_sale_of_any_till():
    assert format_folio("C1", 42).endswith(folio_ending(42))
    assert format_folio("C7", 42).endswith(folio_ending(42))
    assert not format_folio("C1", 142).endswith(folio_ending(42))


@given(CODES, st.integers(min_value=1, max_value=10**12))
def test_a_folio_reads_back_as_its_number_in_its_own_series_only(code: str, number: int):
    folio = format_folio(code, number)
    assert folio_number(folio, code) == number
    assert folio_number(folio, code + "0") is None
    assert re.fullmatch(r"[A-Za-z0-9\-]{1,40}", folio)  # what the wire's SalePayload accepts


def test_other_series_and_typed_text_are_not_a_tills_folios():
    assert folio_number("C10-000001", "C1") is None
    assert folio_number("XC1-000001", "C1") is None
    assert folio_number("C1-", "C1") is None
    assert folio_number("C1-12a", "C1") is None
    assert folio_number("C1-000007", "C1") == 7


def test_a_code_with_pattern_characters_matches_only_itself():
    assert folio_number("A.B-000003", "A.B") == 3
    assert folio_number("AxB-000003", "A.B") is None
    assert re.search(folio_pattern("A.B"), "AxB-000003") is None
