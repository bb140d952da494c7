"""GTIN check digits (shared.gtin): the scale labels and the scan box rely on them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.gtin import check_digit, is_gtin

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("code", ["7501055300075", "7501071003059", "036000291452", "96385074",
                                  "10614141000415"])
def test_real_codes_are_whole(code: str) -> None:
    assert is_gtin(code)


@pytest.mark.parametrize("code", ["501055300075", "7501055300076", "750105530007", "12345",
                                  "75010553000７5", "", "abcdefghijklm"])
def test_a_missing_or_changed_digit_or_other_text_is_not(code: str) -> None:
    assert not is_gtin(code)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 12),
       st.integers(1, 9))
def test_any_single_digit_change_is_caught(body: str, position: int, shift: int) -> None:
    code = body + str(check_digit(body))
    assert is_gtin(code)
    changed = code[:position] + str((int(code[position]) + shift) % 10) + code[position + 1:]
    assert not is_gtin(changed)
