"""The years a synced timestamp may name: anything outside is a hostile or broken till, and no
database column should be asked to hold it (9999-12-31T23:59:59-14:00 is year 10000 in UTC).

The floor is 1970, not 2000: a till whose clock battery went flat still sells, and its sale is
a fact to keep and report, whatever date it carries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

from shared.hlc import unpack

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)  # exclusive
CLOCK_SET = datetime(2000, 1, 1, tzinfo=UTC)  # a record edit stamped before this: clock_behind


def in_reasonable_years(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("the date must be between the years 1970 and 2099")
    return value


# Every timestamp of the wire: a sale's sold_at, a movement's moved_at, an envelope's created_at…
Timestamp = Annotated[AwareDatetime, AfterValidator(in_reasonable_years)]


def stamp_before_2000(stamp: int) -> bool:
    """A hybrid-clock stamp whose wall time is before 2000: a clock that was never set."""
    return unpack(stamp)[0] < int(CLOCK_SET.timestamp() * 1000)
