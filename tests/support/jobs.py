"""Scheduled jobs in tests: the clock the test sets, and engines that tick when told (one per
"replica", each remembering nothing, as a process that just started)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sync_server.db import Pool
from sync_server.jobs.base import JobEnv
from sync_server.jobs.catalog import SHOP_JOBS, platform_jobs
from sync_server.jobs.delivery import Messages, NoChannel
from sync_server.jobs.engine import JobEngine
from sync_server.services.tokens import fixed_plan


class Clock:
    """The time the test says it is."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def engine(pool: Pool, clock: Clock, replica: str = "replica-a",
           messages: Messages | None = None, **env: Any) -> JobEngine:
    """A fresh engine, as a (re)started server process has: it remembers nothing."""
    job_env = JobEnv(pool=pool, messages=messages or NoChannel(), plan_for=fixed_plan("Básico", 300),
                     clock=clock, replica=replica, **env)
    return JobEngine(job_env, SHOP_JOBS, platform_jobs(timedelta(hours=1)))
