"""When a job is due in the shop's own zone, with an injected clock: the 23:59/00:00 boundary,
a border shop that changes its clocks (America/Tijuana) against one that never does
(America/Cancun), lateness and the quiet hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sync_server.jobs.schedule import (
    daily_slot,
    every_slot,
    in_quiet_hours,
    is_late,
    parse_hhmm,
    zone,
)
from sync_server.jobs.summary import covered_day

pytestmark = pytest.mark.unit

MX = ZoneInfo("America/Mexico_City")
TIJUANA = ZoneInfo("America/Tijuana")
CANCUN = ZoneInfo("America/Cancun")


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz).astimezone(UTC)


def test_a_2359_job_at_the_boundary_belongs_to_the_day_that_ends():
    at = time(23, 59)
    before = daily_slot(local(MX, 2026, 12, 5, 23, 58, 59), MX, at)
    assert before.local_day == date(2026, 12, 4)  # the 5th's has not come yet
    on_time = daily_slot(local(MX, 2026, 12, 5, 23, 59), MX, at)
    after_midnight = daily_slot(local(MX, 2026, 12, 6, 0, 0, 30), MX, at)
    assert on_time.local_day == after_midnight.local_day == date(2026, 12, 5)
    assert on_time.period_key == after_midnight.period_key == "2026-12-05"
    assert after_midnight.at == local(MX, 2026, 12, 5, 23, 59)
    assert not is_late(after_midnight, local(MX, 2026, 12, 6, 0, 0, 30), timedelta(minutes=15))


def test_a_midnight_job_is_the_new_days_and_covers_the_day_that_ended():
    at = time(0, 0)
    slot = daily_slot(local(MX, 2026, 12, 6, 0, 0), MX, at)
    assert slot.local_day == date(2026, 12, 6)
    assert daily_slot(local(MX, 2026, 12, 5, 23, 59, 59), MX, at).local_day == date(2026, 12, 5)
    # A summary set after midnight tells the business day that just ended.
    assert covered_day(date(2026, 12, 6), at) == date(2026, 12, 5)
    assert covered_day(date(2026, 12, 6), time(21, 30)) == date(2026, 12, 6)


@pytest.mark.parametrize(("day", "tijuana_utc", "cancun_utc"), [
    # Winter: Tijuana is UTC−8 (PST), Cancún UTC−5 all year.
    (date(2026, 1, 15), datetime(2026, 1, 16, 5, 30, tzinfo=UTC),
     datetime(2026, 1, 16, 2, 30, tzinfo=UTC)),
    # Summer: Tijuana moves to UTC−7 (PDT); Cancún does not move.
    (date(2026, 7, 15), datetime(2026, 7, 16, 4, 30, tzinfo=UTC),
     datetime(2026, 7, 16, 2, 30, tzinfo=UTC)),
])
def test_the_same_local_time_in_tijuana_and_cancun(day, tijuana_utc, cancun_utc):
    """21:30 is 21:30 on each shop's wall clock, whatever the season."""
    late_evening = datetime.combine(day + timedelta(days=1), time(12), UTC)
    assert daily_slot(late_evening, TIJUANA, time(21, 30)).at == tijuana_utc
    assert daily_slot(late_evening, CANCUN, time(21, 30)).at == cancun_utc
    assert daily_slot(late_evening, TIJUANA, time(21, 30)).local_day == day


def test_tijuanas_spring_forward_and_fall_back_run_once_each_day():
    # 2026-03-08: 02:00 PST becomes 03:00 PDT. A job at 02:30 has no such minute that day.
    spring = daily_slot(datetime(2026, 3, 8, 12, 0, tzinfo=UTC), TIJUANA, time(2, 30))
    assert spring.local_day == date(2026, 3, 8)
    assert spring.at == datetime(2026, 3, 8, 10, 30, tzinfo=UTC)  # 03:30 PDT, once
    # 2026-11-01: 01:30 happens twice; the first one counts, and the period is one date.
    fall_first = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # 01:30 PDT
    fall_second = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)  # 01:30 PST
    assert daily_slot(fall_first, TIJUANA, time(1, 30)).at == fall_first
    assert daily_slot(fall_second, TIJUANA, time(1, 30)).period_key == "2026-11-01"
    assert daily_slot(fall_second, TIJUANA, time(1, 30)).at == fall_first
    # Cancún's clock did not move on either day.
    assert daily_slot(datetime(2026, 3, 8, 12, 0, tzinfo=UTC), CANCUN, time(2, 30)).at == \
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_lateness_and_hourly_slots():
    slot = daily_slot(local(MX, 2026, 12, 6, 9, 0), MX, time(21, 30))
    assert slot.local_day == date(2026, 12, 5)  # the server came back the next morning
    assert is_late(slot, local(MX, 2026, 12, 6, 9, 0), timedelta(minutes=15))
    assert not is_late(slot, local(MX, 2026, 12, 5, 21, 44), timedelta(minutes=15))
    hourly = every_slot(datetime(2026, 12, 5, 14, 59, 59, tzinfo=UTC), timedelta(hours=1))
    assert (hourly.at, hourly.period_key) == (datetime(2026, 12, 5, 14, tzinfo=UTC),
                                              "2026-12-05T14:00")


@pytest.mark.parametrize(("hour", "minute", "quiet"), [
    (8, 59, True), (9, 0, False), (13, 0, False), (20, 59, False), (21, 0, True), (23, 30, True),
    (0, 0, True)])
def test_quiet_hours_are_the_shops_21_to_9(hour, minute, quiet):
    assert in_quiet_hours(local(CANCUN, 2026, 12, 5, hour, minute), CANCUN) is quiet
    # The same instant is another hour in Tijuana.
    assert in_quiet_hours(local(TIJUANA, 2026, 12, 5, hour, minute), TIJUANA) is quiet


def test_times_and_zones_as_they_arrive():
    assert parse_hhmm("07:05") == time(7, 5)
    for bad in ("7:05", "24:00", "07-05", "0705", "aa:bb", "07:60"):
        with pytest.raises(ValueError, match="HH:MM|must be in"):  # time() refuses 24:00, :60
            parse_hhmm(bad)
    assert zone("Mars/Olympus_Mons") == MX  # a till can send any name; the shop still runs
    assert zone("America/Tijuana") == TIJUANA
