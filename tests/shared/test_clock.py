"""Issue 12: one clock. Every time a person sees is on the shop's clock, whatever the machine's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shared.clock import in_zone, shown_date, shown_date_time, shown_time

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
MOMENT = datetime(2025, 3, 12, 2, 29, 5, tzinfo=UTC)  # 20:29 the day before in Mexico City


def test_times_are_shown_on_the_shops_clock() -> None:
    mexico = ZoneInfo("America/Mexico_City")
    assert shown_time(MOMENT, mexico) == "20:29"
    assert shown_date(MOMENT, mexico) == "11/03/2025"  # not UTC's date
    assert shown_date_time(MOMENT, mexico) == "11/03/2025 20:29"
    assert shown_date_time(MOMENT, mexico, seconds=True) == "11/03/2025 20:29:05"
    assert shown_time(MOMENT, ZoneInfo("America/Tijuana")) == "19:29"  # a shop in the north
    assert shown_time(MOMENT, ZoneInfo("America/Cancun")) == "21:29"


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        in_zone(datetime(2025, 3, 12, 20, 29), ZoneInfo("America/Mexico_City"))  # noqa: DTZ001


def test_no_screen_or_printout_reads_the_machines_zone_or_clock() -> None:
    """The class of the defect: ``astimezone()`` with no zone and ``time.strftime`` show the
    machine's zone; ``datetime.now()`` in the till's screens and use cases bypasses the Till's
    injected clock. (The recovery dialog too: it reads the shop's zone from the good backup.)"""
    machine_zone = re.compile(r"\.astimezone\(\)|time\.strftime\(|datetime\.now\(\)")
    found = [f"{path.relative_to(ROOT)}:{n}"
             for folder in ("pos_client/ui", "pos_client/services", "pos_client/receipts", "shared")
             for path in (ROOT / folder).rglob("*.py")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if machine_zone.search(line)]
    assert found == []


def test_every_time_shown_goes_through_the_one_helper() -> None:
    """The other half of the class: a screen or paper that formats a time itself may forget the
    shop's zone (three kept theirs as None until it loaded: astimezone(None) is the machine's)."""
    formatting = re.compile(r"\.strftime\(")
    found = [f"{path.relative_to(ROOT)}:{n}"
             for folder in ("pos_client/ui", "pos_client/services", "pos_client/receipts", "shared")
             for path in (ROOT / folder).rglob("*.py")
             if str(path.relative_to(ROOT)) != "shared/clock.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if formatting.search(line)]
    assert found == []
