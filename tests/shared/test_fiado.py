"""Fiado rules: abonos pay the oldest charges first, debts age by local date, statements run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.fiado import Movement, aging_of, running_entries, unpaid_charges

pytestmark = pytest.mark.unit

TZ = ZoneInfo("America/Mexico_City")
NOON = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)  # noon in Mexico City


def at(days: int, hours: int = 0) -> datetime:
    return NOON + timedelta(days=days, hours=hours)


def test_abonos_pay_the_oldest_charge_first_whatever_order_they_come_in() -> None:
    charges = [(at(10), 500), (at(0), 1000), (at(5), 300)]
    assert unpaid_charges(charges, 1200) == [(at(5), 100), (at(10), 500)]
    assert unpaid_charges(charges, 0) == sorted(charges)
    assert unpaid_charges(charges, 1800) == []
    assert unpaid_charges(charges, -50) == sorted(charges)  # a credit never adds debt


@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 50_000)), max_size=12),
       st.integers(0, 700_000))
def test_what_is_left_unpaid_is_the_balance(raw: list[tuple[int, int]], paid: int) -> None:
    charges = [(at(d), amount) for d, amount in raw]
    left = unpaid_charges(charges, paid)
    assert sum(a for _, a in left) == max(0, sum(a for _, a in charges) - paid)
    aged = aging_of(charges, paid, date(2027, 6, 1), TZ)
    assert sum(aged.buckets) == sum(a for _, a in left)


def test_a_debt_ages_by_the_shops_local_date() -> None:
    # 23:30 in Mexico City on 1 March is already 2 March in UTC: the shop says 1 March.
    late = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
    aged = aging_of([(late, 1000), (at(-40), 700)], 0, date(2026, 3, 31), TZ)
    assert aged.oldest_unpaid == date(2026, 1, 20)
    assert (aged.age_days, aged.buckets) == (70, (1000, 0, 700, 0))
    assert aging_of([(late, 1000)], 0, date(2026, 3, 31), TZ).age_days == 30
    settled = aging_of([(late, 1000)], 1000, date(2026, 3, 31), TZ)
    assert (settled.balance, settled.oldest_unpaid, settled.age_days) == (0, None, None)


def test_the_statement_runs_from_the_balance_before_its_first_day() -> None:
    moves = [Movement(at(3), "abono", "Abono", 0, 400),
             Movement(at(0), "cargo", "Libreta", 1000, 0),
             Movement(at(3), "venta", "Venta T1-000001", 250, 0)]  # same instant as the abono
    opening, entries = running_entries(moves, since=None)
    assert opening == 0
    assert [(e.kind, e.balance) for e in entries] == [("cargo", 1000), ("venta", 1250),
                                                       ("abono", 850)]
    opening, entries = running_entries(moves, since=at(1))
    assert opening == 1000
    assert [e.balance for e in entries] == [1250, 850]
