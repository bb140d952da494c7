"""The assistant's token meter: the month's allowance first, then packages; a call charged
once, a package credited once; the owner told once each time it runs out; never more than one
call below zero."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from shared.ids import new_uuid7
from sync_server import db
from sync_server.billing.limits import token_plan
from sync_server.config import Settings
from sync_server.repositories import tenants
from sync_server.services.tokens import InvalidPackage, TokenMeter, fixed_plan
from sync_server.tools.calls import ToolEnv
from tests.support.billing import put_on_plan

pytestmark = pytest.mark.anyio

MARCH = datetime(2026, 3, 18, 19, 0, tzinfo=UTC)


@pytest.fixture
async def shop(pool) -> object:
    tid = new_uuid7()
    async with db.tenant_tx(pool, tid) as conn:
        await tenants.insert(conn, tid, "Tienda", "America/Mexico_City")
    return tid


def _meter(pool, at: list[datetime], allowance: int = 10) -> TokenMeter:
    # One shop token per 1,000 provider tokens; allowance of ``allowance`` a month.
    return TokenMeter(pool, fixed_plan("Básico", allowance), 1000, clock=lambda: at[0])


async def test_allowance_first_then_packages_and_a_call_is_charged_once(pool, shop):
    meter = _meter(pool, [MARCH])
    first = await meter.charge(shop, "msg-1:0", "openai", "gpt-4o-mini", 6000, 1500)
    assert (first.fresh, first.tokens, first.balance.allowance_left, first.balance.left) == (
        True, 8, 2, 2)
    again = await meter.charge(shop, "msg-1:0", "openai", "gpt-4o-mini", 6000, 1500)
    assert (again.fresh, again.tokens, again.balance.left) == (False, 0, 2)
    assert await meter.credit_package(shop, "cs_test_1", 1000)
    assert not await meter.credit_package(shop, "cs_test_1", 1000)  # the webhook again
    after = await meter.charge(shop, "msg-2:0", "openai", "gpt-4o-mini", 4001, 0)
    # 5 tokens: the 2 left of the month, then 3 of the package.
    assert (after.balance.allowance_left, after.balance.packages_left) == (0, 997)
    balance = await meter.balance(shop)
    assert (balance.input_tokens, balance.output_tokens, balance.calls) == (10_001, 1500, 2)


async def test_packages_are_the_sizes_sold_and_a_purchase_is_one_package(pool, shop):
    meter = _meter(pool, [MARCH])
    with pytest.raises(InvalidPackage):
        await meter.credit_package(shop, "cs_x", 1234)
    await meter.credit_package(shop, "cs_y", 3000)
    with pytest.raises(InvalidPackage) as conflict:
        await meter.credit_package(shop, "cs_y", 8000)
    assert conflict.value.code == "purchase_conflict"
    assert (await meter.balance(shop)).packages_left == 3000


async def test_a_new_month_brings_a_new_allowance_and_packages_stay(pool, shop):
    at = [MARCH]
    meter = _meter(pool, at)
    await meter.credit_package(shop, "cs_1", 1000)
    await meter.charge(shop, "a", "anthropic", "claude", 30_000, 0)  # 10 allowance + 20 package
    at[0] = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)  # midnight of April 1st in Mexico City
    april = await meter.balance(shop)
    assert (april.month.isoformat(), april.allowance_left, april.packages_left) == (
        "2026-04-01", 10, 980)


async def test_below_zero_by_one_call_at_most_and_the_owner_told_once(pool, shop):
    meter = _meter(pool, [MARCH], allowance=3)
    assert not await meter.exhausted_notice(shop)
    crossing = await meter.charge(shop, "big", "openai", "m", 9000, 0)  # 9 tokens, 3 left
    assert crossing.balance.left == -6
    assert await meter.exhausted_notice(shop)  # tell the owner now…
    assert not await meter.exhausted_notice(shop)  # …and not again
    await meter.credit_package(shop, "cs_2", 1000)
    assert (await meter.balance(shop)).left == 994
    assert not await meter.exhausted_notice(shop)
    await meter.charge(shop, "huge", "openai", "m", 1_000_000, 0)
    assert await meter.exhausted_notice(shop)  # ran out again: told again


async def test_concurrent_calls_never_spend_the_same_tokens_twice(pool, shop):
    meter = _meter(pool, [MARCH], allowance=10)
    charges = await asyncio.gather(*(meter.charge(shop, f"c{i}", "openai", "m", 4000, 0)
                                     for i in range(3)))
    assert sorted(c.balance.left for c in charges) == [-2, 2, 6]
    assert (await meter.balance(shop)).left == -2


async def test_each_shop_is_metered_against_its_own_plan(pool, shop):
    """The production lookup (billing.limits.token_plan): the allowance is the plan each shop
    is on, not one platform-wide figure; a shop with no subscription has the free plan's."""
    other, free = new_uuid7(), new_uuid7()
    for tid, name in ((other, "Otra"), (free, "Sin plan")):
        async with db.tenant_tx(pool, tid) as conn:
            await tenants.insert(conn, tid, name, "America/Mexico_City")
    await put_on_plan(pool, shop, "changarrito")
    await put_on_plan(pool, other, "tiendita")
    meter = TokenMeter(pool, token_plan, 1000, clock=lambda: MARCH)
    small, big, none = [await meter.balance(t) for t in (shop, other, free)]
    assert (small.plan.name, small.allowance_left) == ("Changarrito", 100_000)
    assert (big.plan.name, big.allowance_left) == ("Tiendita", 500_000)
    assert (none.plan.name, none.left) == ("Gratis", 0)
    charged = await meter.charge(shop, "msg-1:0", "openai", "gpt-4o-mini", 3000, 0)
    assert charged.balance.allowance_left == 99_997
    assert (await meter.balance(other)).allowance_left == 500_000
    # The shop's tools report the same plan (the env the server builds from settings).
    env = ToolEnv.from_settings(pool, Settings(database_url="postgresql://unused"))
    async with db.tenant_tx(pool, other) as conn:
        assert (await env.plan_for(conn, other)).monthly_tokens == 500_000
