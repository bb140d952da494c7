"""Throttles count an attempt before the slow check, one key at a time: bursts get exactly the
allowed number through."""

from __future__ import annotations

import anyio
import pytest

from sync_server.services.throttling import (
    Limit,
    TooManyAttempts,
    account_key,
    address_key,
    begin_attempt,
    forgive,
)

pytestmark = pytest.mark.anyio


async def test_a_burst_gets_exactly_the_allowed_attempts(pool):
    passed, refused = [], []

    async def attempt() -> None:
        try:
            passed.append(await begin_attempt(pool, "login", [Limit(address_key("1.2.3.4"), 5)], 600))
        except TooManyAttempts:
            refused.append(1)

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(attempt)
    assert (len(passed), len(refused)) == (5, 15)


async def test_every_limit_counts_and_a_success_is_forgiven(pool):
    account = Limit(account_key(" Mary@Example.mx "), 2)
    first = await begin_attempt(pool, "login", [Limit(address_key("a"), 10), account], 600)
    await begin_attempt(pool, "login", [Limit(address_key("b"), 10), account], 600)
    with pytest.raises(TooManyAttempts):  # the account is at its limit, whatever the address
        await begin_attempt(pool, "login", [Limit(address_key("c"), 10),
                                            Limit(account_key("mary@example.mx"), 2)], 600)
    await forgive(pool, first)
    await begin_attempt(pool, "login", [Limit(address_key("c"), 10), account], 600)
    await begin_attempt(pool, "pairing", [Limit(address_key("a"), 1)], 600)  # its own scope


async def test_accounts_are_told_apart_without_being_named():
    key = account_key("mary@example.mx")
    assert key == account_key(" MARY@example.mx")
    assert "mary" not in key
    assert key != account_key("maria@example.mx")
