"""Periods the tools report on, in the shop's local days, and the period to compare them with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from shared.errors import DomainError
from sync_server.tools.base import ToolInput

PeriodName = Literal["hoy", "ayer", "esta_semana", "semana_pasada", "este_mes", "mes_pasado",
                     "ultimos_7_dias", "ultimos_30_dias", "personalizado"]
MAX_DAYS = 400
_WEEKDAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")


class PeriodTooLong(DomainError):
    code = "period_too_long"


class PeriodArgs(ToolInput):
    period: PeriodName = Field(
        "hoy", description="Periodo: hoy, ayer, esta_semana (desde el lunes), semana_pasada, "
                           "este_mes, mes_pasado, ultimos_7_dias, ultimos_30_dias, o "
                           "personalizado con start y end.")
    start: date | None = Field(None, description="Primer día (AAAA-MM-DD), solo con personalizado.")
    end: date | None = Field(None, description="Último día, incluido, solo con personalizado.")

    @model_validator(mode="after")
    def _dates_only_when_custom(self) -> PeriodArgs:
        custom = self.period == "personalizado"
        if custom and (self.start is None or self.end is None):
            raise ValueError("personalizado necesita start y end")
        if not custom and (self.start is not None or self.end is not None):
            raise ValueError("start y end solo van con period=personalizado")
        return self


@dataclass(frozen=True, slots=True)
class Span:
    """Local days ``first`` up to, not including, ``end``; ``lo``/``hi`` the UTC instants."""

    first: date
    end: date
    lo: datetime
    hi: datetime
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.first).days


def day_label(day: date) -> str:
    """"jue 05/11/2026": a day as the owner reads it."""
    return f"{_WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


def span(first: date, end: date, tz: ZoneInfo, label: str | None = None) -> Span:
    lo = datetime.combine(first, time(), tz).astimezone(UTC)
    hi = datetime.combine(end, time(), tz).astimezone(UTC)
    if label is None:
        last = end - timedelta(days=1)
        label = f"el {day_label(first)}" if last == first else \
            f"del {first:%d/%m/%Y} al {last:%d/%m/%Y}"
    return Span(first, end, lo, hi, label)


def resolve(args: PeriodArgs, today: date, tz: ZoneInfo) -> Span:
    """The period ``args`` names, seen from the shop's ``today``; weeks start on Monday."""
    week = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)
    named: dict[str, tuple[date, date, str]] = {
        "hoy": (today, today + timedelta(days=1), "hoy"),
        "ayer": (today - timedelta(days=1), today, "ayer"),
        "esta_semana": (week, today + timedelta(days=1), "esta semana"),
        "semana_pasada": (week - timedelta(days=7), week, "la semana pasada"),
        "este_mes": (month, today + timedelta(days=1), "este mes"),
        "mes_pasado": (last_month, month, "el mes pasado"),
        "ultimos_7_dias": (today - timedelta(days=6), today + timedelta(days=1), "los últimos 7 días"),
        "ultimos_30_dias": (today - timedelta(days=29), today + timedelta(days=1),
                            "los últimos 30 días"),
    }
    if args.period == "personalizado":
        assert args.start is not None
        assert args.end is not None
        first, last = min(args.start, args.end), max(args.start, args.end)
        if (last - first).days + 1 > MAX_DAYS:
            raise PeriodTooLong(f"El periodo es muy largo: a lo más {MAX_DAYS} días.")
        return span(first, last + timedelta(days=1), tz)
    first, end, label = named[args.period]
    return span(first, end, tz, label)


def previous(current: Span, tz: ZoneInfo, now: datetime) -> Span:
    """The same number of days right before ``current``. A period still running (today, this
    week) is compared up to the same moment: today until now against yesterday until this
    hour, not against all of yesterday."""
    first = current.first - timedelta(days=current.days)
    before = span(first, current.first, tz)
    if current.lo <= now < current.hi:
        return Span(before.first, before.end, before.lo, before.lo + (now - current.lo),
                    before.label + " (al mismo momento)")
    return before
