"""The nightly clean-up, once for the whole platform: expired pairing codes and one-time codes
(owners' reset and verification codes, WhatsApp confirmation codes), throttle attempts too old
to count, job runs past their 90 days, and webhook events handled more than ``events_keep`` ago
(Stripe's, WhatsApp's inbox, the payment providers'; never one still pending). Each shop's rows
are deleted in that shop's own transaction (row-level security applies); the global event
tables in batches, each its own transaction. docs/jobs.md says why a replay after the clean-up
is still handled once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta

from sync_server.db import Connection, Pool, tenant_tx, unscoped_tx
from sync_server.jobs.base import JobEnv, Outcome, sent
from sync_server.jobs.engine import PlatformJob
from sync_server.jobs.schedule import Daily
from sync_server.repositories import cleanup, job_runs, job_settings

KEEP_RUNS = timedelta(days=90)
KEEP_EVENTS = timedelta(days=90)  # the default of MCH_WEBHOOK_EVENTS_KEEP_DAYS
CODES_GRACE = timedelta(days=1)  # an expired code is kept a day, for "why did it not work?"
AT = time(9, 30)  # UTC: 03:30 in Mexico City, when shops sleep


def cleanup_job(attempts_window: timedelta, events_keep: timedelta = KEEP_EVENTS) -> PlatformJob:
    """``attempts_window``: the longest window a throttle counts attempts over;
    ``events_keep``: how long a handled webhook event is kept."""

    async def run(env: JobEnv, now: datetime) -> Outcome:
        counts = dict.fromkeys(("pairing_codes", "owner_codes", "wa_verifications", "job_runs",
                                "pay_events"), 0)
        codes_before, events_before = now - CODES_GRACE, now - events_keep
        async with unscoped_tx(env.pool) as conn:
            shops = await job_settings.every_shop(conn)
            counts["auth_attempts"] = await cleanup.old_auth_attempts(conn, now - attempts_window)
            counts["platform_job_runs"] = await job_runs.delete_platform_before(conn, now - KEEP_RUNS)
        counts["stripe_events"] = await _in_batches(
            env.pool, lambda c: cleanup.handled_stripe_events(c, events_before))
        counts["whatsapp_inbox"] = await _in_batches(
            env.pool, lambda c: cleanup.handled_inbox_events(c, events_before))
        for shop in shops:
            tenant_id = shop.tenant_id
            async with tenant_tx(env.pool, tenant_id) as conn:
                counts["pairing_codes"] += await cleanup.expired_pairing_codes(
                    conn, tenant_id, codes_before)
                counts["owner_codes"] += await cleanup.expired_owner_codes(
                    conn, tenant_id, codes_before)
                counts["wa_verifications"] += await cleanup.spent_verifications(
                    conn, tenant_id, codes_before)
                counts["job_runs"] += await job_runs.delete_before(conn, tenant_id,
                                                                   now - KEEP_RUNS)
                counts["pay_events"] += await cleanup.handled_pay_events(
                    conn, tenant_id, events_before)
        return sent(**counts)

    return PlatformJob("cleanup", Daily(AT), run)


async def _in_batches(pool: Pool, delete: Callable[[Connection], Awaitable[int]]) -> int:
    """Run ``delete`` (one batch, its own transaction) until a batch comes back short."""
    total = 0
    while True:
        async with unscoped_tx(pool) as conn:
            deleted = await delete(conn)
        total += deleted
        if deleted < cleanup.BATCH:
            return total
