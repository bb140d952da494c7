"""Time: every stored or sent timestamp is timezone-aware UTC; every time shown is the shop's.

One clock for people: whatever a screen or a printout says about when ("Cliente de las 20:29",
"última: 20:31", "válido hasta las 20:45", "12/03/2025 20:29") goes through ``shown_time``,
``shown_date_time`` or ``in_zone`` with the shop's zone, never through the machine's own zone
(a till's computer is often set to another zone, or to UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_ZONE = ZoneInfo("America/Mexico_City")


def utc_now() -> datetime:
    return datetime.now(UTC)


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` on the shop's wall clock. A naive moment is refused: it could be anything."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime has no place on the shop's clock")
    return moment.astimezone(zone)


def shown_time(moment: datetime, zone: tzinfo) -> str:
    """"20:29" on the shop's clock."""
    return in_zone(moment, zone).strftime("%H:%M")


def shown_date_time(moment: datetime, zone: tzinfo, seconds: bool = False) -> str:
    """"12/03/2025 20:29" on the shop's clock (with ":05" seconds when asked)."""
    return in_zone(moment, zone).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def shown_date(moment: datetime, zone: tzinfo) -> str:
    """"12/03/2025": the shop's date, which may not be UTC's."""
    return in_zone(moment, zone).strftime("%d/%m/%Y")
