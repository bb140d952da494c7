"""Jobs on a real database with an injected clock: shops in their own zones with a paired till,
and engines (one per "replica") that tick when the test says, at the time the test says."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.catalog import StarterProduct, load_starter_catalog
from sync_server.db import Pool, tenant_tx
from sync_server.jobs.base import JobEnv
from sync_server.jobs.catalog import SHOP_JOBS, platform_jobs
from sync_server.jobs.delivery import Messages, NoChannel
from sync_server.jobs.engine import JobEngine
from sync_server.repositories import job_runs
from sync_server.repositories.job_runs import RunRow
from sync_server.services import shops
from sync_server.services.tokens import fixed_plan
from tests.support.shop_facts import PairedTill


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


@dataclass
class JobShop:
    pool: Pool
    tenant_id: uuid.UUID
    till: PairedTill
    catalog: list[StarterProduct]

    async def runs(self, job: str | None = None) -> list[RunRow]:
        async with tenant_tx(self.pool, self.tenant_id) as conn:
            return sorted(await job_runs.recent(conn, self.tenant_id, 500, job),
                          key=lambda r: (r.job, r.period_key))


@pytest.fixture
def catalog() -> list[StarterProduct]:
    return load_starter_catalog()[:8]


@pytest.fixture
def make_shop(pool: Pool, settings: Any, catalog: list[StarterProduct]
              ) -> Callable[..., Any]:
    async def make(name: str = "Abarrotes Doña Mary", timezone: str = "America/Mexico_City"
                   ) -> JobShop:
        created = await shops.create_shop(pool, name, catalog, timezone=timezone)
        till = await PairedTill.pair(pool, settings, created.tenant_id)
        return JobShop(pool, created.tenant_id, till, catalog)

    return make
