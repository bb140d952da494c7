"""How long a failed event waits before it is tried again: doubling from 30 s up to an hour,
for ever (an event may carry a payment: it is never dropped)."""

from __future__ import annotations

RETRY_BASE_S = 30.0
MAX_BACKOFF_S = 3600.0


def backoff(attempts: int, base_s: float = RETRY_BASE_S) -> float:
    return min(base_s * 2.0 ** max(attempts - 1, 0), MAX_BACKOFF_S)
