"""The low-stock job names what fell to its minimum or below since its last run, with the
quantity the shop's reorder tool suggests; what was already low is only counted; a day when
nothing fell says nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sync_server.services.tokens import fixed_plan
from sync_server.tools.base import Caller, CallerRole
from sync_server.tools.calls import ToolEnv, call_tool
from tests.support.jobs import Clock, engine
from tests.support.shop_facts import Line

pytestmark = pytest.mark.anyio

MX = ZoneInfo("America/Mexico_City")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=MX).astimezone(UTC)


async def test_what_fell_below_minimum_each_day_with_the_suggested_order(pool, make_shop):
    shop = await make_shop()
    coca = next(p for p in shop.catalog if p.name == "Coca-Cola 600 ml")  # 60 in stock, min 24
    fanta = next(p for p in shop.catalog if p.name.startswith("Fanta"))  # min 6
    await shop.till.push(shop.till.sale([Line(coca, 40_000)], local(2026, 11, 20, 12, 0))[0])
    clock = Clock(local(2026, 11, 20, 21, 1))
    await engine(pool, clock).tick()

    env = ToolEnv(pool, fixed_plan("Básico", 300), clock=clock)
    suggested = (await call_tool(env, Caller(shop.tenant_id, CallerRole.OWNER, "prueba", "t"),
                                 "reorder_suggestions", {})).output
    order = next(i.order for i in suggested.products if i.product.name == coca.name)
    (first,) = await shop.runs("low_stock")
    assert (first.period_key, first.status, first.reason) == ("2026-11-20", "skipped", "no_channel")
    assert f"• Coca-Cola 600 ml: quedan 20 (mínimo 24) — pedir {order}" in first.detail["text"]
    assert "Fanta" not in first.detail["text"]

    await shop.till.push(shop.till.sale([Line(fanta, 15_000)], local(2026, 11, 21, 11, 0))[0])
    clock.set(local(2026, 11, 21, 21, 1))
    await engine(pool, clock).tick()
    second = (await shop.runs("low_stock"))[1]
    assert "• Fanta Naranja 600 ml: quedan" in second.detail["text"]
    assert "Coca-Cola 600 ml:" not in second.detail["text"]
    assert "Otros 1 siguen bajo su mínimo desde antes." in second.detail["text"]

    clock.set(local(2026, 11, 22, 21, 1))
    await engine(pool, clock).tick()
    third = (await shop.runs("low_stock"))[2]
    assert (third.period_key, third.reason, "text" in third.detail) == (
        "2026-11-22", "nothing_fell", False)


async def test_a_run_skipped_while_the_server_was_down_does_not_make_old_lows_new(pool,
                                                                                   make_shop):
    """A day whose run was too late to send saw nothing: the next run still knows what was
    already low before it, and names only what fell since."""
    shop = await make_shop()
    coca = next(p for p in shop.catalog if p.name == "Coca-Cola 600 ml")
    fanta = next(p for p in shop.catalog if p.name.startswith("Fanta"))
    await shop.till.push(shop.till.sale([Line(coca, 40_000)], local(2026, 11, 20, 12, 0))[0])
    clock = Clock(local(2026, 11, 20, 21, 1))
    await engine(pool, clock).tick()
    clock.set(local(2026, 11, 22, 9, 30))  # down from before the 21st's 21:00 until now
    await engine(pool, clock).tick()
    missed = (await shop.runs("low_stock"))[1]
    assert (missed.period_key, missed.reason) == ("2026-11-21", "too_late")

    await shop.till.push(shop.till.sale([Line(fanta, 15_000)], local(2026, 11, 22, 11, 0))[0])
    clock.set(local(2026, 11, 22, 21, 1))
    await engine(pool, clock).tick()
    third = (await shop.runs("low_stock"))[2]
    assert "• Fanta Naranja 600 ml: quedan" in third.detail["text"]
    assert "Coca-Cola 600 ml:" not in third.detail["text"]
    assert "Otros 1 siguen bajo su mínimo desde antes." in third.detail["text"]
