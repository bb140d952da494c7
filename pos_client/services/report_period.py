"""The local days a report covers: periods, their presets, and each day's stretch of UTC time.

A period is ``[start, end)`` in local dates of the shop's time zone (settings, default
America/Mexico_City): a sale at 23:30 on the 5th in Mexico City is the 6th in UTC and still
belongs to the 5th. SQL knows no time zones, so a day is handed to the store as the UTC epoch
seconds it spans and the zone's offset over them (two pieces on a day the clocks change).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pos_client.store.repositories.report_facts import DaySpan

_WEEKDAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")


@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``start`` up to, not including, ``end``, in the shop's time zone."""

    start: date
    end: date
    tz: ZoneInfo

    def bounds(self) -> tuple[datetime, datetime]:
        """The period's UTC instants: local midnight of ``start`` and of ``end``."""
        return (datetime.combine(self.start, time(), self.tz).astimezone(UTC),
                datetime.combine(self.end, time(), self.tz).astimezone(UTC))

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]


class Preset(StrEnum):
    TODAY = "Hoy"
    YESTERDAY = "Ayer"
    WEEK = "Esta semana"
    MONTH = "Este mes"
    CUSTOM = "Personalizado"


def period_for(preset: Preset, today: date, tz: ZoneInfo,
               first: date | None = None, last: date | None = None) -> Period:
    """The period a preset names, seen from ``today``; weeks start on Monday. ``CUSTOM`` takes
    the first and last day the owner picked, both included (swapped if given backwards)."""
    if preset is Preset.CUSTOM:
        if first is None or last is None:
            raise ValueError("a custom period needs both days")
        first, last = min(first, last), max(first, last)
        return Period(first, last + timedelta(days=1), tz)
    starts = {Preset.TODAY: today, Preset.YESTERDAY: today - timedelta(days=1),
              Preset.WEEK: today - timedelta(days=today.weekday()), Preset.MONTH: today.replace(day=1)}
    end = today if preset is Preset.YESTERDAY else today + timedelta(days=1)
    return Period(starts[preset], end, tz)


def day_label(day: date) -> str:
    """"jue 05/11/2026": a day as the owner reads it."""
    return f"{_WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


def epoch(at: datetime) -> int:
    return int(at.timestamp())


def day_bounds(day: date, tz: ZoneInfo) -> tuple[int, int]:
    """A local day as UTC epoch seconds ``[lo, hi)``: its midnight and the next one's."""
    return (epoch(datetime.combine(day, time(), tz)),
            epoch(datetime.combine(day + timedelta(days=1), time(), tz)))


def _offset(ts: int, tz: ZoneInfo) -> int:
    offset = datetime.fromtimestamp(ts, tz).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def spans(days: Iterable[date], tz: ZoneInfo) -> list[DaySpan]:
    """Each day's UTC stretch with the zone's offset over it, cut where the clocks change (a
    change inside a day is found by halving: the offset is the same on either side of it)."""
    out: list[DaySpan] = []
    for day in days:
        lo, hi = day_bounds(day, tz)
        first, last = _offset(lo, tz), _offset(hi - 1, tz)
        if first == last:
            out.append(DaySpan(day, lo, hi, first))
            continue
        before, after = lo, hi - 1  # offset(before) == first, offset(after) == last
        while after - before > 1:
            middle = (before + after) // 2
            if _offset(middle, tz) == first:
                before = middle
            else:
                after = middle
        out += [DaySpan(day, lo, after, first), DaySpan(day, after, hi, last)]
    return out
