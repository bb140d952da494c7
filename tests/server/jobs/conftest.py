"""Jobs on a real database: shops in their own zones with a paired till (the clock and the
engines are tests/support/jobs.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from shared.catalog import StarterProduct, load_starter_catalog
from sync_server.db import Pool, tenant_tx
from sync_server.repositories import job_runs
from sync_server.repositories.job_runs import RunRow
from sync_server.services import shops
from tests.support.shop_facts import PairedTill


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
