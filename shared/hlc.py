"""Hybrid logical clock: orders record edits across devices even when wall clocks disagree."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# A stamp is one int: wall-clock milliseconds in the high bits, a logical counter in the low 16.
# Ints compare, index and store (SQLite INTEGER, PostgreSQL BIGINT) without parsing.
_LOGICAL_BITS = 16
_LOGICAL_MASK = (1 << _LOGICAL_BITS) - 1


def pack(wall_ms: int, logical: int) -> int:
    return (wall_ms << _LOGICAL_BITS) | logical


def unpack(stamp: int) -> tuple[int, int]:
    return stamp >> _LOGICAL_BITS, stamp & _LOGICAL_MASK


# A stamp this far ahead of our own wall clock is a broken clock, not news: following it
# would drag every later edit of ours (and of everyone who syncs with us) into the future.
MAX_AHEAD_MS = 24 * 3600 * 1000


def wall_ms_now() -> int:
    return time.time_ns() // 1_000_000


def too_far_ahead(stamp: int, wall_ms: int) -> bool:
    return unpack(stamp)[0] > wall_ms + MAX_AHEAD_MS


class HybridClock:
    """Monotonic stamps that stay close to wall time and move past every stamp observed."""

    def __init__(self, last: int = 0, wall_ms: Callable[[], int] | None = None) -> None:
        self._wall_ms = wall_ms or wall_ms_now
        # A stored high-water mark from a broken clock must not poison this device either.
        self._last = 0 if too_far_ahead(last, self._wall_ms()) else last
        self._lock = threading.Lock()

    @property
    def last(self) -> int:
        return self._last

    def now(self) -> int:
        """A stamp greater than every stamp this clock has issued or observed."""
        with self._lock:
            self._last = max(self._last + 1, pack(self._wall_ms(), 0))
            return self._last

    def observe(self, remote: int) -> bool:
        """Move past a stamp seen from another device, so our next edit orders after it.

        A stamp more than a day ahead of our wall clock is ignored (returns False).
        """
        with self._lock:
            if too_far_ahead(remote, self._wall_ms()):
                return False
            self._last = max(self._last, remote)
            return True
