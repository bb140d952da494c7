"""The nightly clean-up runs once for the platform whatever the replicas, and removes only what
has served its purpose: expired pairing codes and one-time codes, throttle attempts no window
counts, job runs past their 90 days, and webhook events handled more than 90 days ago (a setting)
— never an event still pending."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta

import pytest
from pydantic import ValidationError

from shared.clock import utc_now
from sync_server.config import Settings
from sync_server.repositories import cleanup
from sync_server.services import shops
from tests.support import spent_rows
from tests.support.billing import put_on_plan
from tests.support.jobs import Clock, engine, run_cleanup

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


async def _left(admin) -> dict[str, list[str]]:
    return {
        "stripe": [r["k"].removeprefix("evt_") for r in await admin.fetch(
            "SELECT event_id AS k FROM stripe_events ORDER BY 1")],
        "whatsapp": [r["k"].removeprefix("message:") for r in await admin.fetch(
            "SELECT event_key AS k FROM whatsapp_inbox ORDER BY 1")],
        "pay": [r["k"] for r in await admin.fetch("SELECT event_key AS k FROM pay_events "
                                                  "ORDER BY 1")],
    }


async def test_handled_webhook_events_go_after_90_days_and_pending_ones_never(pool, admin,
                                                                              make_shop):
    shop = await make_shop()
    now = utc_now()
    await spent_rows.webhook_events(admin, shop.tenant_id, now)
    everything = sorted(spent_rows.EVENT_AGES)
    kept_longer = await run_cleanup(pool, now, events_keep=timedelta(days=120))  # the setting
    assert (kept_longer.detail["stripe_events"], kept_longer.detail["whatsapp_inbox"],
            kept_longer.detail["pay_events"]) == (0, 0, 0)
    assert await _left(admin) == {"stripe": everything, "whatsapp": everything, "pay": everything}

    outcome = await run_cleanup(pool, now)  # the default: 90 days
    assert (outcome.detail["stripe_events"], outcome.detail["whatsapp_inbox"],
            outcome.detail["pay_events"]) == (1, 1, 1)
    left = ["old-handled-lately", "old-pending", "recent-handled"]
    assert await _left(admin) == {"stripe": left, "whatsapp": left, "pay": left}

    # Far in the future, every handled event is old; the pending one is still kept.
    await run_cleanup(pool, now + timedelta(days=1000))
    assert await _left(admin) == {"stripe": ["old-pending"], "whatsapp": ["old-pending"],
                                  "pay": ["old-pending"]}


async def test_the_global_event_stores_are_emptied_in_batches(pool, admin, make_shop,
                                                              monkeypatch):
    await make_shop()
    now = utc_now()
    for i in range(5):
        await admin.execute(
            """INSERT INTO whatsapp_inbox (event_key, kind, phone_number_id, body, received_at,
                                           handled_at)
               VALUES ($1, 'status', '1234', '{}', $2, $2)""", f"status:{i}",
            now - timedelta(days=100))
    monkeypatch.setattr(cleanup, "BATCH", 2)  # 2 + 2 + 1: the loop stops on the short batch
    outcome = await run_cleanup(pool, now)
    assert outcome.detail["whatsapp_inbox"] == 5
    assert await admin.fetchval("SELECT count(*) FROM whatsapp_inbox") == 0


async def test_spent_one_time_codes_go_and_live_ones_stay(pool, admin, make_shop):
    shop = await make_shop()
    now = utc_now()
    await spent_rows.one_time_codes(admin, shop.tenant_id, now)
    outcome = await run_cleanup(pool, now)
    assert (outcome.detail["owner_codes"], outcome.detail["wa_verifications"]) == (1, 2)
    owner_codes = [r["purpose"] for r in await admin.fetch(
        "SELECT purpose FROM owner_codes WHERE tenant_id = $1", shop.tenant_id)]
    verifications = {r["verification_id"] for r in await admin.fetch(
        "SELECT verification_id FROM wa_verifications WHERE tenant_id = $1", shop.tenant_id)}
    assert owner_codes == ["verify_whatsapp"]
    assert verifications == {spent_rows.verification_id("used-just-now"),
                             spent_rows.verification_id("live")}


def test_the_events_kept_are_a_setting_of_at_least_31_days():
    assert Settings().webhook_events_keep_days == 90
    assert Settings(webhook_events_keep_days=45).webhook_events_keep_days == 45
    with pytest.raises(ValidationError):
        Settings(webhook_events_keep_days=30)  # Stripe lists 30 days to the backfill
