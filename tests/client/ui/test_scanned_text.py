"""What a scanner's burst leaves to look up when it lands after other text in the scan box."""

from __future__ import annotations

import pytest

from pos_client.ui.counter_items import scanned_text

pytestmark = pytest.mark.unit
CODE = "7501071003059"


def test_a_name_left_in_the_box_is_dropped() -> None:
    assert scanned_text("jamon" + CODE, len(CODE)) == CODE


def test_a_quantity_typed_first_stays() -> None:
    assert scanned_text("3*" + CODE, len(CODE)) == "3*" + CODE


def test_first_digits_stamped_late_by_a_busy_computer_are_kept_with_their_code() -> None:
    """Issue 12 under load: the burst's first key came >35 ms before the second, so it looked
    typed; dropping it looked up "501071003059" (and could have matched another product)."""
    assert scanned_text(CODE, len(CODE) - 1) == CODE
    assert scanned_text("jamon" + CODE, len(CODE) - 2) == CODE


def test_digits_that_make_no_whole_code_are_not_glued_on() -> None:
    assert scanned_text("12" + CODE, len(CODE)) == CODE  # the burst is a whole code by itself
    assert scanned_text("4" + "50107100305", 11) == "50107100305"  # nothing whole: as scanned
