"""Timestamps on the wire name reasonable years (a flat clock battery's 1990 included); a
hybrid-clock stamp before 2000 is told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.hlc import pack
from shared.sync.bounds import Timestamp, stamp_before_2000

_TIME: TypeAdapter[datetime] = TypeAdapter(Timestamp)


@pytest.mark.parametrize("text", ["1970-01-01T00:00:00+00:00", "1990-01-01T18:00:00+00:00",
                                  "2026-05-01T12:00:00-06:00",
                                  "2099-12-31T23:59:59+00:00", "2100-01-01T05:00:00+06:00"])
def test_reasonable_years_pass(text):
    assert _TIME.validate_json(f'"{text}"').tzinfo is not None


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                                  "1969-12-31T23:59:59+00:00", "2100-01-01T00:00:00+00:00",
                                  "2099-12-31T23:00:00-06:00"])
def test_other_years_are_refused(text):
    with pytest.raises(ValidationError):
        _TIME.validate_json(f'"{text}"')


def test_a_stamp_of_a_clock_never_set_is_before_2000():
    assert stamp_before_2000(pack(0, 5))
    assert stamp_before_2000(pack(int(datetime(1999, 12, 31, tzinfo=UTC).timestamp() * 1000), 0))
    assert not stamp_before_2000(pack(int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000), 0))
