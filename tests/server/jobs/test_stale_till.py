"""A till that sold and went silent for a day: exactly one alert for the owner, whatever the
replicas and restarts, none once it syncs, and one again for a new silent spell. A till that
never sold is nobody's worry."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from shared.clock import utc_now
from sync_server.services import device_sync
from tests.support.billing import put_on_plan
from tests.support.jobs import Clock, engine
from tests.support.shop_facts import Line, PairedTill

pytestmark = pytest.mark.anyio


async def went_quiet(admin, till: PairedTill, hours: float) -> None:
    """As if the till's last sync were ``hours`` ago (the database stamps syncs with its own
    clock, so the test moves the stamp rather than the clock)."""
    await admin.execute("UPDATE devices SET last_sync_at = now() - make_interval(secs => $2) "
                        "WHERE device_id = $1", till.cred.device_id, hours * 3600)


async def alerts(shop) -> list[tuple[str, str]]:
    return [(r.detail["device"], r.reason) for r in await shop.runs("stale_till")]


async def test_a_till_that_sold_and_went_silent_is_told_once_and_not_after_it_syncs(
        pool, admin, settings, make_shop):
    shop = await make_shop()
    change, _ = shop.till.sale([Line(shop.catalog[0])], utc_now() - timedelta(hours=30))
    await shop.till.push(change)
    await put_on_plan(pool, shop.tenant_id)  # a second till: more than the free plan's one
    quiet_one = await PairedTill.pair(pool, settings, shop.tenant_id, "Caja 2")  # never sold
    await device_sync.pull(pool, quiet_one.cred, 0, 10, False)
    await went_quiet(admin, shop.till, 23)
    await went_quiet(admin, quiet_one, 48)
    clock = Clock(utc_now())
    a, b = engine(pool, clock, "replica-a"), engine(pool, clock, "replica-b")

    await asyncio.gather(a.tick(), b.tick())
    assert await alerts(shop) == []  # 23 hours: not yet

    await went_quiet(admin, shop.till, 25)
    await asyncio.gather(a.tick(), b.tick())
    clock.advance(hours=1)
    await asyncio.gather(a.tick(), b.tick(), engine(pool, clock, "restarted").tick())
    assert await alerts(shop) == [("C1", "no_channel")]  # one, for the till that was selling
    (run,) = await shop.runs("stale_till")
    assert "La caja C1 (Caja 1) de Abarrotes Doña Mary no sincroniza desde el" in run.detail["text"]

    await device_sync.pull(pool, shop.till.cred, 0, 10, False)  # it comes back
    clock.advance(hours=1)
    await engine(pool, clock, "after-sync").tick()
    assert len(await alerts(shop)) == 1

    await went_quiet(admin, shop.till, 26)  # and goes quiet again: a new spell, a new alert
    clock.advance(hours=1)
    await engine(pool, clock, "later").tick()
    assert await alerts(shop) == [("C1", "no_channel"), ("C1", "no_channel")]
