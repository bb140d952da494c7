"""The nightly clean-up, once for the whole platform: expired pairing codes, throttle attempts
too old to count, and job runs past their keeping (90 days, like processed webhook events).
Each shop's rows are deleted in that shop's own transaction (row-level security applies)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sync_server.db import tenant_tx, unscoped_tx
from sync_server.jobs.base import JobEnv, Outcome, sent
from sync_server.jobs.engine import PlatformJob
from sync_server.jobs.schedule import Daily
from sync_server.repositories import cleanup, job_runs, job_settings

KEEP_RUNS = timedelta(days=90)
CODES_GRACE = timedelta(days=1)  # an expired code is kept a day, for "why did it not work?"
AT = time(9, 30)  # UTC: 03:30 in Mexico City, when shops sleep


def cleanup_job(attempts_window: timedelta) -> PlatformJob:
    """``attempts_window``: the longest window a throttle counts attempts over."""

    async def run(env: JobEnv, now: datetime) -> Outcome:
        counts = {"pairing_codes": 0, "job_runs": 0}
        async with unscoped_tx(env.pool) as conn:
            shops = await job_settings.every_shop(conn)
            counts["auth_attempts"] = await cleanup.old_auth_attempts(conn, now - attempts_window)
            counts["platform_job_runs"] = await job_runs.delete_platform_before(conn, now - KEEP_RUNS)
        for shop in shops:
            async with tenant_tx(env.pool, shop.tenant_id) as conn:
                counts["pairing_codes"] += await cleanup.expired_pairing_codes(
                    conn, shop.tenant_id, now - CODES_GRACE)
                counts["job_runs"] += await job_runs.delete_before(conn, shop.tenant_id,
                                                                   now - KEEP_RUNS)
        return sent(**counts)

    return PlatformJob("cleanup", Daily(AT), run)
