"""When a job is due, in the shop's own time zone: the latest slot at or before now, the period
it stands for, whether running it now is late, and the quiet hours when no customer is written.

Pure functions of an injected ``now``: the scheduler, the tests and ``jobs run-now`` hand in
their clock. A daily slot is a local wall-clock time; on the day a border zone (America/Tijuana)
springs forward, a time inside the missing hour runs an hour later by the wall clock, and on
the day it falls back a time inside the repeated hour runs at its first occurrence — the
period is the local date either way, so it runs once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

DEFAULT_ZONE = "America/Mexico_City"
# No message to a customer between 21:00 and 09:00, shop time.
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(9, 0)


@dataclass(frozen=True, slots=True)
class Daily:
    """Once a day at a local time the owner may change (``default`` until they do)."""

    default: time


@dataclass(frozen=True, slots=True)
class Every:
    """Every ``interval`` (UTC-aligned), for checks that are not tied to the shop's day."""

    interval: timedelta


Schedule = Daily | Every


@dataclass(frozen=True, slots=True)
class Slot:
    """One due occurrence: when it was due (aware UTC) and the period it stands for."""

    at: datetime
    period_key: str
    local_day: date | None  # the shop's date of a daily slot


def zone(name: str | None) -> ZoneInfo:
    """The shop's zone; an unknown name (a till can send any) falls back to Mexico City."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown shop time zone, using %s", DEFAULT_ZONE, extra={"zone": name})
        return ZoneInfo(DEFAULT_ZONE)


def daily_slot(now: datetime, tz: ZoneInfo, at: time) -> Slot:
    """The latest local ``at`` at or before ``now``; its period is that local date."""
    local = now.astimezone(tz)
    day = local.date()
    due = datetime.combine(day, at, tz)
    if due.astimezone(UTC) > now:
        day -= timedelta(days=1)
        due = datetime.combine(day, at, tz)
    return Slot(due.astimezone(UTC), day.isoformat(), day)


def every_slot(now: datetime, interval: timedelta) -> Slot:
    """The latest multiple of ``interval`` since the epoch at or before ``now``."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    steps = (now - epoch) // interval
    at = epoch + steps * interval
    return Slot(at, at.strftime("%Y-%m-%dT%H:%M"), None)


def slot(schedule: Schedule, now: datetime, tz: ZoneInfo, at: time | None = None) -> Slot:
    if isinstance(schedule, Daily):
        return daily_slot(now, tz, at or schedule.default)
    return every_slot(now, schedule.interval)


def is_late(due: Slot, now: datetime, late_after: timedelta) -> bool:
    """Running now is late: the slot passed more than ``late_after`` ago (the server was down,
    or busy)."""
    return now - due.at > late_after


def in_quiet_hours(now: datetime, tz: ZoneInfo) -> bool:
    """21:00–09:00 in the shop's zone: no reminder goes to a customer then."""
    t = now.astimezone(tz).time()
    return t >= QUIET_FROM or t < QUIET_UNTIL


def quiet_hours_end(now: datetime, tz: ZoneInfo) -> datetime:
    """When the quiet hours ``now`` falls in end (09:00 shop time, today or tomorrow)."""
    local = now.astimezone(tz)
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_FROM else local.date()
    return datetime.combine(day, QUIET_UNTIL, tzinfo=tz).astimezone(UTC)


def parse_hhmm(text: str) -> time:
    """"21:30" → 21:30; anything else is a ValueError."""
    hours, sep, minutes = text.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError(f"not HH:MM: {text!r}")
    return time(int(hours), int(minutes))
