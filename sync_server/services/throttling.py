"""Throttles on guessing: logins (per address and per account), pairing codes and sign-ups (per
address).

Exact under concurrency: an attempt is counted and recorded in one transaction that holds a
per-key advisory lock, BEFORE the slow part (argon2, the code lookup) runs. Of forty guesses sent
at once, the first ``allowed`` are let through and the rest refused, whatever the timing. A
successful login or pairing takes its attempts back; a failed one leaves them counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from shared.errors import DomainError
from sync_server.db import Pool, unscoped_tx
from sync_server.repositories import throttle


class TooManyAttempts(DomainError):
    code = "too_many_attempts"


@dataclass(frozen=True)
class Limit:
    key: str
    allowed: int


def address_key(client: str) -> str:
    return f"addr:{client[:120]}"


def account_key(login: str) -> str:
    """Logins are hashed: the throttle table needs to tell accounts apart, not name them."""
    return "account:" + hashlib.sha256(login.strip().lower().encode()).hexdigest()


async def begin_attempt(
    pool: Pool, scope: str, limits: Sequence[Limit], window_s: int
) -> list[int]:
    """Count this attempt against every limit and record it, atomically; refuse it if any
    limit is reached. Returns the recorded attempts' ids (see :func:`forgive`)."""
    async with unscoped_tx(pool) as conn:
        for key in sorted({lim.key for lim in limits}):  # one order: no deadlock
            await throttle.lock(conn, scope, key)
        for lim in limits:
            if await throttle.recent(conn, scope, lim.key, window_s) >= lim.allowed:
                minutes = max(1, window_s // 60)
                raise TooManyAttempts(f"Demasiados intentos. Espera {minutes} minutos y vuelve "
                                      "a intentarlo.")
        return [await throttle.record(conn, scope, lim.key, window_s) for lim in limits]


async def forgive(pool: Pool, attempt_ids: Sequence[int]) -> None:
    """The attempt succeeded: it stops counting."""
    async with unscoped_tx(pool) as conn:
        await throttle.forget(conn, attempt_ids)
