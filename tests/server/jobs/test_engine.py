"""The scheduler's tick on a real database with an injected clock: one run per shop, job and
period whatever the replicas; each shop on its own clock; runs missed while the server was
down; a dead replica's claim taken over."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sync_server.db import tenant_tx
from sync_server.repositories import job_runs
from sync_server.repositories.job_runs import Claim
from sync_server.services import scheduled_jobs
from tests.support.jobs import Clock, engine
from tests.support.shop_facts import Line

pytestmark = pytest.mark.anyio

MX = ZoneInfo("America/Mexico_City")


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz).astimezone(UTC)


async def sell(shop, at: datetime, qty: int = 1000) -> int:
    """One cash sale of the first product at ``at``; its total."""
    change, _ = shop.till.sale([Line(shop.catalog[0], qty)], at)
    await shop.till.push(change)
    return int(change.payload.total)


def summaries(runs):
    return [(r.period_key, r.status, r.reason, r.late) for r in runs if r.job == "daily_summary"]


async def test_two_replicas_on_one_database_run_one_summary(pool, make_shop):
    shop = await make_shop()
    await sell(shop, local(MX, 2026, 11, 20, 12, 0))
    clock = Clock(local(MX, 2026, 11, 20, 21, 31))
    a, b = engine(pool, clock, "replica-a"), engine(pool, clock, "replica-b")

    first = await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())
    assert sum(len(t.outcomes("daily_summary")) for t in first) == 1
    runs = await shop.runs("daily_summary")
    assert summaries(runs) == [("2026-11-20", "skipped", "no_channel", False)]
    assert runs[0].claimed_by in ("replica-a", "replica-b")
    assert runs[0].attempts == 1
    assert "Resumen de Abarrotes Doña Mary, vie 20/11/2026" in runs[0].detail["text"]

    clock.advance(minutes=5)  # a later tick of either finds the period done
    again = await asyncio.gather(a.tick(), b.tick())
    assert [t.outcomes("daily_summary") for t in again] == [[], []]


async def test_each_shop_on_its_own_clock_tijuana_and_cancun(pool, make_shop):
    tijuana = await make_shop("Tienda Tijuana", "America/Tijuana")
    cancun = await make_shop("Tienda Cancún", "America/Cancun")
    for shop, tz in ((tijuana, "America/Tijuana"), (cancun, "America/Cancun")):
        await sell(shop, local(ZoneInfo(tz), 2026, 7, 15, 13, 0))
        await sell(shop, local(ZoneInfo(tz), 2026, 11, 20, 13, 0))
    # Summer: Cancún is UTC−5 all year, Tijuana UTC−7 (PDT). Winter: Tijuana UTC−8 (PST).
    for month, day, tijuana_at in ((7, 15, datetime(2026, 7, 16, 4, 30, tzinfo=UTC)),
                                   (11, 20, datetime(2026, 11, 21, 5, 30, tzinfo=UTC))):
        clock = Clock(datetime(2026, month, day, 20, 0, tzinfo=UTC))
        replica = engine(pool, clock)
        first_seen = {}
        while clock.now <= tijuana_at + timedelta(minutes=30):
            for shop_id, job, period, _ in (await replica.tick()).ran:
                if job == "daily_summary" and period == f"2026-{month:02d}-{day:02d}":
                    first_seen.setdefault(shop_id, clock.now)
            clock.advance(minutes=30)
        assert first_seen == {str(cancun.tenant_id): datetime(2026, month, day + 1, 2, 30, tzinfo=UTC),
                              str(tijuana.tenant_id): tijuana_at}


async def test_the_2359_summary_tells_its_own_day_at_midnight(pool, make_shop):
    shop = await make_shop()
    await scheduled_jobs.choose(pool, shop.tenant_id, "daily_summary", True, time(23, 59))
    before = await sell(shop, local(MX, 2026, 11, 20, 23, 58, 50), 2000)
    after = await sell(shop, local(MX, 2026, 11, 21, 0, 0, 10), 1000)
    clock = Clock(local(MX, 2026, 11, 21, 0, 0, 30))  # the tick came 30 s after its minute
    await engine(pool, clock).tick()
    (run,) = [r for r in await shop.runs("daily_summary") if r.period_key == "2026-11-20"]
    assert (run.late, run.detail["day"], run.detail["tickets"], run.detail["net"]) == (
        False, "2026-11-20", 1, before)
    clock.set(local(MX, 2026, 11, 21, 23, 59, 30))
    await engine(pool, clock).tick()
    (run,) = [r for r in await shop.runs("daily_summary") if r.period_key == "2026-11-21"]
    assert (run.detail["tickets"], run.detail["net"]) == (1, after)


async def test_a_summary_missed_while_down_goes_late_once_and_nothing_is_bunched(pool, make_shop):
    shop = await make_shop()
    for day in (20, 21, 22, 23):
        await sell(shop, local(MX, 2026, 11, day, 12, 0))
    clock = Clock(local(MX, 2026, 11, 20, 21, 40))
    await engine(pool, clock).tick()  # the 20th on time
    # Down from 21:50 on the 20th until 08:00 on the 23rd: the 21st's and 22nd's slots pass.
    clock.set(local(MX, 2026, 11, 23, 8, 0))
    restarted = engine(pool, clock)
    await restarted.tick()
    clock.advance(minutes=1)
    await engine(pool, clock).tick()  # and a second replica, right after
    assert summaries(await shop.runs()) == [("2026-11-20", "skipped", "no_channel", False),
                                            ("2026-11-22", "skipped", "no_channel", True)]
    late = next(r for r in await shop.runs("daily_summary") if r.period_key == "2026-11-22")
    assert "(enviado tarde)" in late.detail["text"]
    clock.set(local(MX, 2026, 11, 23, 21, 31))
    await restarted.tick()
    assert summaries(await shop.runs())[-1] == ("2026-11-23", "skipped", "no_channel", False)


async def test_past_the_late_limit_a_summary_is_skipped_and_reminders_are_never_late(
        pool, make_shop):
    shop = await make_shop()
    await sell(shop, local(MX, 2026, 11, 20, 12, 0))
    await scheduled_jobs.choose(pool, shop.tenant_id, "fiado_reminders", True, time(10, 0))
    clock = Clock(local(MX, 2026, 11, 21, 14, 0))  # 16.5 h after the 20th's summary
    await engine(pool, clock).tick()
    runs = {(r.job, r.period_key): (r.status, r.reason, r.late) for r in await shop.runs()}
    assert runs[("daily_summary", "2026-11-20")] == ("skipped", "too_late", True)
    assert runs[("fiado_reminders", "2026-11-21")] == ("skipped", "missed", True)  # 4 h late
    clock.set(local(MX, 2026, 11, 22, 10, 1))
    await engine(pool, clock).tick()
    reminders = [(r.period_key, r.reason, r.late) for r in await shop.runs("fiado_reminders")]
    assert reminders == [("2026-11-21", "missed", True), ("2026-11-22", "nobody_due", False)]


async def test_a_dead_replicas_claim_is_taken_over_after_the_lease(pool, make_shop):
    shop = await make_shop()
    await sell(shop, local(MX, 2026, 11, 20, 12, 0))
    due = local(MX, 2026, 11, 20, 21, 30)
    async with tenant_tx(pool, shop.tenant_id) as conn:  # replica a claimed, then died
        assert await job_runs.claim(conn, shop.tenant_id, "daily_summary", "2026-11-20", due,
                                    False, Claim("replica-a", due, timedelta(minutes=15),
                                                 timedelta(minutes=5))) == 1
    clock = Clock(due + timedelta(minutes=10))
    b = engine(pool, clock, "replica-b")
    assert (await b.tick()).outcomes("daily_summary") == []  # still within a's lease
    clock.advance(minutes=6)
    assert len((await b.tick()).outcomes("daily_summary")) == 1
    (run,) = await shop.runs("daily_summary")
    assert (run.claimed_by, run.attempts, run.status, run.late) == ("replica-b", 2, "skipped", True)


async def test_a_job_the_owner_turned_off_does_not_run(pool, make_shop):
    shop = await make_shop()
    await sell(shop, local(MX, 2026, 11, 20, 12, 0))
    await scheduled_jobs.choose(pool, shop.tenant_id, "daily_summary", False, None)
    await engine(pool, Clock(local(MX, 2026, 11, 20, 21, 40))).tick()
    assert await shop.runs("daily_summary") == []
