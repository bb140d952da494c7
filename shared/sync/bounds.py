"""The years a synced timestamp may name: anything outside is a broken clock or a hostile
till, and no database column should be asked to hold it (year 10000 does not fit)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

from shared.hlc import unpack

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)  # exclusive


def in_reasonable_years(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("the date must be between the years 2000 and 2099")
    return value


# Every timestamp of the wire: a sale's sold_at, a movement's moved_at, an envelope's created_at…
Timestamp = Annotated[AwareDatetime, AfterValidator(in_reasonable_years)]


def stamp_before_2000(stamp: int) -> bool:
    """A hybrid-clock stamp whose wall time is before 2000: a clock that was never set."""
    return unpack(stamp)[0] < int(EARLIEST.timestamp() * 1000)
