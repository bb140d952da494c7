"""Throttles on guessing: logins (per address and per account), pairing codes and sign-ups (per
address).

Exact under concurrency: an attempt is counted and recorded in one transaction that holds a
per-key advisory lock, BEFORE the slow part (argon2, the code lookup) runs. Of forty guesses sent
at once, the first ``allowed`` are let through and the rest refused, whatever the timing. A
successful login or pairing takes its attempts back; a failed one leaves them counted.

The per-account limit stops guessing from many addresses, and so would let anyone who knows an
owner's phone keep them out. An address the owner logged in from lately is spared it: there
only that address's own failures count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv6Address, ip_address, ip_network

from shared.errors import DomainError
from shared.spanish import count
from sync_server.db import Pool, unscoped_tx
from sync_server.repositories import throttle


class TooManyAttempts(DomainError):
    code = "too_many_attempts"


@dataclass(frozen=True)
class Limit:
    key: str
    allowed: int


def address_key(client: str) -> str:
    """One key per subscriber: an IPv4 address (also when written as IPv6, ``::ffff:a.b.c.d``),
    or an IPv6 /64, the least a provider hands one subscriber, who may use any of its 2^64
    addresses. Anything else (a test client's name) as it is."""
    try:
        ip = ip_address(client)
    except ValueError:
        return f"addr:{client[:120]}"
    if isinstance(ip, IPv6Address):
        return f"addr:{ip.ipv4_mapped or ip_network((ip, 64), strict=False)}"
    return f"addr:{ip}"


def account_key(login: str) -> str:
    """Logins are hashed: the throttle table needs to tell accounts apart, not name them."""
    return "account:" + hashlib.sha256(login.strip().lower().encode()).hexdigest()


def known_key(login: str, client: str) -> str:
    """An account and an address it logged in from: hashed together, naming neither."""
    pair = f"{account_key(login)}|{address_key(client)}"
    return "known:" + hashlib.sha256(pair.encode()).hexdigest()


async def begin_attempt(
    pool: Pool, scope: str, limits: Sequence[Limit], window_s: int,
    unless_known: tuple[str, int] | None = None,
) -> list[int]:
    """Count this attempt against every limit and record it, atomically; refuse it if any
    limit is reached. Returns the recorded attempts' ids (see :func:`forgive`).

    ``unless_known`` = (key, seconds): if that key was remembered (:func:`forgive`) within
    those seconds, only the first limit (the address's own) applies."""
    async with unscoped_tx(pool) as conn:
        if unless_known and await throttle.recent(conn, scope, *unless_known) > 0:
            limits = limits[:1]
        for key in sorted({lim.key for lim in limits}):  # one order: no deadlock
            await throttle.lock(conn, scope, key)
        for lim in limits:
            if await throttle.recent(conn, scope, lim.key, window_s) >= lim.allowed:
                minutes = max(1, window_s // 60)
                raise TooManyAttempts(f"Demasiados intentos. Espera {count(minutes, 'minuto')} y vuelve "
                                      "a intentarlo.")
        return [await throttle.record(conn, scope, lim.key, window_s) for lim in limits]


async def forgive(pool: Pool, attempt_ids: Sequence[int],
                  remember: tuple[str, str] | None = None) -> None:
    """The attempt succeeded: it stops counting. ``remember`` = (scope, key) to keep."""
    async with unscoped_tx(pool) as conn:
        await throttle.forget(conn, attempt_ids)
        if remember:
            await throttle.remember(conn, *remember)
