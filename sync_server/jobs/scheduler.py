"""APScheduler inside the server process: the wake-up clock of the jobs' tick.

Every replica runs one (started in the app's lifespan, off with MCH_JOBS_ENABLED=false): one
UTC interval job that calls :meth:`JobEngine.tick`. APScheduler keeps nothing across restarts
and no lock across processes (see /docs/jobs.md); the claims in PostgreSQL make a run happen
once, and the tick at start-up is the catch-up after downtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from shared.clock import utc_now
from sync_server.billing.limits import token_plan
from sync_server.config import Settings
from sync_server.db import Pool
from sync_server.jobs.base import JobEnv
from sync_server.jobs.billing_port import NoBilling, PayLinks, PlanNotices
from sync_server.jobs.catalog import SHOP_JOBS, platform_jobs
from sync_server.jobs.delivery import Messages
from sync_server.jobs.engine import JobEngine

log = logging.getLogger(__name__)
TICK_ID = "jobs_tick"


def replica_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def engine_from_settings(pool: Pool, settings: Settings, messages: Messages,
                         pay_links: PayLinks | None = None, plans: PlanNotices | None = None
                         ) -> JobEngine:
    env = JobEnv(pool=pool, messages=messages,
                 plan_for=token_plan,
                 clock=utc_now, replica=replica_name(),
                 pay_links=pay_links or NoBilling(), plans=plans or NoBilling(),
                 lease=timedelta(seconds=settings.jobs_lease_s),
                 late_after=timedelta(seconds=settings.jobs_late_after_s))
    window = timedelta(seconds=max(settings.auth_failure_window_s, settings.signup_window_s))
    keep = timedelta(days=settings.webhook_events_keep_days)
    return JobEngine(env, SHOP_JOBS, platform_jobs(window, keep))


class JobScheduler:
    """Ticks ``engine`` every ``tick_s`` seconds, the first time at once."""

    def __init__(self, engine: JobEngine, tick_s: float) -> None:
        self.engine, self.tick_s = engine, tick_s
        self._scheduler: AsyncIOScheduler | None = None
        self._running: asyncio.Task[object] | None = None

    def start(self) -> None:
        """Inside the running event loop (AsyncIOScheduler takes it at start)."""
        self._scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={
            # One tick at a time per process; ticks that pile up (a blocked loop) run once; a
            # tick started late still runs (the default 1-second grace would drop it).
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self._scheduler.add_listener(_on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        self._scheduler.add_job(self._tick, IntervalTrigger(seconds=self.tick_s, timezone=UTC),
                                id=TICK_ID, replace_existing=True,
                                next_run_time=datetime.now(UTC))
        self._scheduler.start()
        log.info("job scheduler started", extra={"tick_s": self.tick_s,
                                                 "replica": self.engine.env.replica})

    async def _tick(self) -> None:
        self._running = asyncio.current_task()
        try:
            await self.engine.tick()
        finally:
            self._running = None

    async def stop(self, grace_s: float = 20.0) -> None:
        """Stop ticking; let a tick under way finish (then cancel it: its claims expire and
        another replica takes them over)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        running = self._running
        if running is not None and not running.done():
            try:
                await asyncio.wait_for(asyncio.shield(running), grace_s)
            except TimeoutError:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running


def _on_event(event: JobExecutionEvent) -> None:
    if event.exception is not None:
        log.error("job tick raised", extra={"error": repr(event.exception)})
    else:
        log.warning("job tick missed", extra={"scheduled": str(event.scheduled_run_time)})
