"""Client schema versions, applied in order at open; ``PRAGMA user_version`` records the last one.

Forward-only: a shop's file is upgraded in the field, so a shipped step is never edited. The
steps live in modules by number (``steps_01_06``, ``steps_07_11``, ``steps_12_``); version N is
``MIGRATIONS[N - 1]``.
"""

from __future__ import annotations

from pos_client.store.migrations import (
    steps_01_06,
    steps_07_11,
    steps_12_,
    steps_13,
    steps_14,
    steps_15,
    steps_16,
)

MIGRATIONS: list[str] = [*steps_01_06.STEPS, *steps_07_11.STEPS, *steps_12_.STEPS,
                         *steps_13.STEPS, *steps_14.STEPS, *steps_15.STEPS,
                         *steps_16.STEPS]
