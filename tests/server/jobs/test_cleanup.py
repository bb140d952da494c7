"""The nightly clean-up runs once for the platform whatever the replicas, and removes only what
has served its purpose: expired pairing codes, throttle attempts no window counts, job runs past
their 90 days."""

from __future__ import annotations

import asyncio
from datetime import UTC

import pytest

from shared.clock import utc_now
from sync_server.services import shops
from tests.support.billing import put_on_plan
from tests.support.jobs import Clock, engine

pytestmark = pytest.mark.anyio


async def test_the_cleanup_runs_once_and_keeps_what_still_counts(pool, admin, make_shop):
    shop = await make_shop()
    await put_on_plan(pool, shop.tenant_id)  # codes for more tills than the free plan's one
    await shops.create_pairing_code(pool, shop.tenant_id)
    await shops.create_pairing_code(pool, shop.tenant_id)
    await admin.execute("""UPDATE pairing_codes SET expires_at = now() - interval '2 days'
                           WHERE ctid = (SELECT ctid FROM pairing_codes
                                         WHERE tenant_id = $1 AND used_at IS NULL LIMIT 1)""",
                        shop.tenant_id)
    # The clean-up's clock is past 09:30 UTC, today's if the real clock has not got there
    # yet: "old" and "new" are reckoned from it, not from the database's now().
    now = utc_now()
    clock = Clock(now if now.hour * 60 + now.minute >= 9 * 60 + 30
                  else now.replace(hour=9, minute=31))
    await admin.execute("""INSERT INTO auth_attempts (scope, key, at) VALUES
                           ('login', 'addr:old', $1::timestamptz - interval '2 hours'),
                           ('login', 'addr:new', $1::timestamptz - interval '5 minutes')""",
                        clock.now)
    await admin.execute(
        """INSERT INTO job_runs (tenant_id, job, period_key, scheduled_for, status, claimed_by,
                                 claimed_at)
           VALUES ($1, 'daily_summary', '2026-01-01', now() - interval '100 days', 'sent', 'x',
                   now() - interval '100 days'),
                  ($1, 'daily_summary', '2026-11-01', now() - interval '30 days', 'sent', 'x',
                   now() - interval '30 days')""", shop.tenant_id)
    ticks = await asyncio.gather(engine(pool, clock, "a").tick(), engine(pool, clock, "b").tick())
    assert sum(len(t.outcomes("cleanup")) for t in ticks) == 1
    (outcome,) = [o for t in ticks for o in t.outcomes("cleanup")]
    assert (outcome.status, outcome.detail["pairing_codes"], outcome.detail["auth_attempts"],
            outcome.detail["job_runs"]) == ("sent", 1, 1, 1)
    left_codes = await admin.fetchval("SELECT count(*) FROM pairing_codes WHERE tenant_id = $1",
                                      shop.tenant_id)
    left_attempts = [r["key"] for r in await admin.fetch("SELECT key FROM auth_attempts")]
    left_runs = [r["period_key"] for r in await admin.fetch(
        "SELECT period_key FROM job_runs WHERE tenant_id = $1 "
        "AND claimed_at < now() - interval '1 day'", shop.tenant_id)]
    assert (left_codes, left_attempts, left_runs) == (2, ["addr:new"], ["2026-11-01"])
    platform = await admin.fetch("SELECT period_key, status FROM platform_job_runs")
    assert [(r["period_key"], r["status"]) for r in platform] == [
        (clock.now.astimezone(UTC).date().isoformat(), "sent")]
