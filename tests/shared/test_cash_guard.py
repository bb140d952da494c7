"""Issue 12: an amount of cash received that is probably a slip asks for confirmation."""

from __future__ import annotations

import pytest

from shared.sale import cash_needs_confirmation

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("due", "received", "asks"), [
    (10_125, 1_234_500, True),   # $12,345 for $101.25: the slip
    (10_125, 10_125, False),     # exact
    (10_125, 20_000, False),     # a $200 bill
    (4_500, 50_000, False),      # $500 for a $45 sale: one bill, normal
    (4_500, 100_000, True),      # $1,000 for $45: over ten times, more than one bill
    (300_000, 500_000, False),   # $5,000 for $3,000: big sale, $2,000 of change exactly
    (300_000, 500_100, True),    # $2,001 of change
    (0, 50_000, False),          # nothing due in cash (paid by card): a single bill still ok
    (10_000, 5_000, False),      # short: settle() refuses it, not this guard
])
def test_unusual_cash_asks_first(due: int, received: int, asks: bool) -> None:
    assert cash_needs_confirmation(due, received) is asks
