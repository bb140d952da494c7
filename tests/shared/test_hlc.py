"""Hybrid logical clock: stamps only go forward and order after every stamp observed."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.hlc import HybridClock, pack, unpack

pytestmark = pytest.mark.unit

T0 = 1_717_243_200_000  # 2024-06-01 12:00 UTC in milliseconds
TWO_HOURS_MS = 2 * 60 * 60 * 1000


class FakeWall:
    """A wall clock the test moves by hand, forwards or backwards."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_stamps_follow_the_wall_clock_when_it_moves_forward() -> None:
    wall = FakeWall(T0)
    clock = HybridClock(wall_ms=wall)
    first = clock.now()
    wall.ms += 5
    second = clock.now()
    assert unpack(first) == (T0, 0)
    assert unpack(second) == (T0 + 5, 0)
    assert clock.last == second


def test_stamps_in_the_same_millisecond_count_up() -> None:
    clock = HybridClock(wall_ms=FakeWall(T0))
    stamps = [clock.now() for _ in range(5)]
    assert [unpack(s) for s in stamps] == [(T0, n) for n in range(5)]


def test_stamps_keep_increasing_when_the_wall_clock_goes_back() -> None:
    wall = FakeWall(T0)
    clock = HybridClock(wall_ms=wall)
    before = clock.now()
    wall.ms -= TWO_HOURS_MS  # NTP correction or a dead CMOS battery
    after = [clock.now() for _ in range(3)]
    assert before < after[0] < after[1] < after[2]
    assert unpack(after[0])[0] == T0  # stays at the latest wall time seen


@given(st.lists(st.integers(min_value=-TWO_HOURS_MS, max_value=TWO_HOURS_MS), max_size=50))
def test_now_strictly_increases_whatever_the_wall_clock_does(moves: list[int]) -> None:
    wall = FakeWall(T0)
    clock = HybridClock(wall_ms=wall)
    stamps = [clock.now()]
    for move in moves:
        wall.ms += move
        stamps.append(clock.now())
    assert all(a < b for a, b in pairwise(stamps))
    assert all(unpack(s)[0] >= T0 for s in stamps)


def test_a_clock_starts_after_the_last_stamp_it_saved() -> None:
    saved = pack(T0 + 60_000, 3)
    clock = HybridClock(last=saved, wall_ms=FakeWall(T0))
    assert clock.now() > saved


def test_observing_a_remote_stamp_orders_the_next_edit_after_it() -> None:
    clock = HybridClock(wall_ms=FakeWall(T0))
    remote = pack(T0 + 1_000, 7)
    clock.observe(remote)
    assert clock.now() > remote


def test_observing_an_older_stamp_does_not_move_the_clock_back() -> None:
    clock = HybridClock(wall_ms=FakeWall(T0))
    mine = clock.now()
    clock.observe(pack(T0 - 1_000, 0))
    assert clock.last == mine
    assert clock.now() > mine


def test_a_clock_two_hours_behind_still_orders_after_a_stamp_it_observed() -> None:
    accurate = HybridClock(wall_ms=FakeWall(T0))
    behind = HybridClock(wall_ms=FakeWall(T0 - TWO_HOURS_MS))
    sold_on_accurate = accurate.now()

    assert behind.now() < sold_on_accurate  # without observing, the slow device orders first
    behind.observe(sold_on_accurate)
    edit_on_behind = behind.now()
    assert edit_on_behind > sold_on_accurate
    assert behind.now() > edit_on_behind


@given(
    st.integers(min_value=0, max_value=2**46 - 1),
    st.integers(min_value=0, max_value=2**16 - 1),
)
def test_pack_unpack_round_trip(wall_ms: int, logical: int) -> None:
    assert unpack(pack(wall_ms, logical)) == (wall_ms, logical)


@given(
    st.tuples(st.integers(0, 2**46 - 1), st.integers(0, 2**16 - 1)),
    st.tuples(st.integers(0, 2**46 - 1), st.integers(0, 2**16 - 1)),
)
def test_packed_stamps_compare_like_wall_time_then_counter(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    assert (pack(*a) < pack(*b)) == (a < b)


def test_a_stamp_of_today_fits_the_wire_limit() -> None:
    # The wire model bounds hlc to 2**62 so it fits PostgreSQL BIGINT.
    assert pack(T0, 2**16 - 1) < 2**62


def test_a_stamp_from_a_clock_days_ahead_is_ignored() -> None:
    from shared.hlc import MAX_AHEAD_MS

    wall = 1_800_000_000_000
    clock = HybridClock(wall_ms=lambda: wall)
    broken = pack(wall + MAX_AHEAD_MS + 1, 0)
    assert clock.observe(broken) is False
    assert clock.now() < broken
    assert clock.observe(pack(wall + 2 * 3600 * 1000, 0)) is True  # two hours ahead: fine
    assert HybridClock(last=broken, wall_ms=lambda: wall).now() < broken
