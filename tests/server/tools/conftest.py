"""A shop with the starter catalog's first products and a paired till, and calls to its tools
as its owner, its staff or one of its customers, at a fixed moment."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.catalog import StarterProduct, load_starter_catalog, starter_product_id
from sync_server.db import Pool
from sync_server.services import shops
from sync_server.services.tokens import fixed_plan
from sync_server.tools.base import Caller, CallerRole
from sync_server.tools.calls import ToolEnv, ToolResult, call_tool
from tests.support.shop_facts import PairedTill

# A Wednesday, 13:00 in Mexico City: today, yesterday, this week and last week all exist.
NOW = datetime(2026, 3, 18, 19, 0, tzinfo=UTC)


@dataclass
class ShopUnderTest:
    pool: Pool
    tenant_id: uuid.UUID
    till: PairedTill
    catalog: list[StarterProduct]
    env: ToolEnv

    def product(self, name_start: str) -> StarterProduct:
        return next(p for p in self.catalog if p.name.startswith(name_start))

    def product_id(self, name_start: str) -> uuid.UUID:
        return starter_product_id(self.product(name_start).barcode)

    def caller(self, role: CallerRole = CallerRole.OWNER, *, write: bool = False,
               customer_id: uuid.UUID | None = None, channel: Any = "prueba") -> Caller:
        return Caller(self.tenant_id, role, channel, f"test:{role.value}", customer_id, write)

    async def call(self, name: str, args: dict[str, Any] | None = None, *,
                   role: CallerRole = CallerRole.OWNER, write: bool = False,
                   customer_id: uuid.UUID | None = None) -> Any:
        return (await self.result(name, args, role=role, write=write,
                                  customer_id=customer_id)).output

    async def result(self, name: str, args: dict[str, Any] | None = None, *,
                     role: CallerRole = CallerRole.OWNER, write: bool = False,
                     customer_id: uuid.UUID | None = None) -> ToolResult:
        return await call_tool(self.env, self.caller(role, write=write, customer_id=customer_id),
                               name, args or {})


@pytest.fixture
def catalog() -> list[StarterProduct]:
    products = load_starter_catalog()
    return products[:12] + [p for p in products if p.sold_by_weight][:2]


@pytest.fixture
async def shop(pool: Pool, settings: Any, catalog: list[StarterProduct]) -> ShopUnderTest:
    created = await shops.create_shop(pool, "Abarrotes Doña Mary", catalog)
    till = await PairedTill.pair(pool, settings, created.tenant_id)
    env = ToolEnv(pool, fixed_plan("Básico", 300), clock=lambda: NOW)
    return ShopUnderTest(pool, created.tenant_id, till, catalog, env)


@pytest.fixture
async def other_shop(pool: Pool, settings: Any, catalog: list[StarterProduct]) -> ShopUnderTest:
    created = await shops.create_shop(pool, "Miscelánea La Otra", catalog[:3])
    till = await PairedTill.pair(pool, settings, created.tenant_id)
    env = ToolEnv(pool, fixed_plan("Básico", 300), clock=lambda: NOW)
    return ShopUnderTest(pool, created.tenant_id, till, catalog, env)
