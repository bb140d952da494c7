"""The server's stock (the product_stock view) follows the one stock rule (shared/stock.py): the
last physical count plus what is stamped after it; what alerts and the shop's tools read."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.clock import utc_now
from shared.hlc import pack, wall_ms_now
from shared.ids import new_uuid7
from shared.stock import stock_milli
from shared.sync.envelopes import make_change
from shared.sync.payloads import ProductPayload
from sync_server import db
from sync_server.config import Settings
from sync_server.db import tenant_tx
from sync_server.services import shops
from sync_server.sync.apply import append_server_changes
from tests.support.stock_facts import PRODUCTS, by_rule, changes_for, stock_fact

pytestmark = pytest.mark.e2e


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=st.lists(stock_fact, max_size=25), seed=st.integers(0, 2**32 - 1))
def test_the_view_follows_the_rule(database_url, facts, seed):
    changes = changes_for(facts)
    batches, rest, rng = [], changes[:], random.Random(seed)
    while rest:  # pushes of a few changes each, in the order they were made
        size = rng.randint(1, 4)
        batches.append(rest[:size])
        rest = rest[size:]

    async def run() -> dict:
        pool = await db.create_pool(Settings(database_url=database_url).app_dsn(database_url), 2)
        try:
            shop = await shops.create_shop(pool, "Conteos")
            async with tenant_tx(pool, shop.tenant_id) as conn:
                await append_server_changes(conn, shop.tenant_id, [
                    make_change("product", ProductPayload(id=p, name=f"P{i}", price=1000),
                                change_id=new_uuid7(), device_seq=0, hlc=pack(wall_ms_now(), 0),
                                created_at=utc_now())
                    for i, p in enumerate(PRODUCTS)])
            for batch in batches:
                async with tenant_tx(pool, shop.tenant_id) as conn:
                    applied = await append_server_changes(conn, shop.tenant_id, batch)
                    assert {r.status for r in applied.results} <= {"accepted"}, applied.results
            async with tenant_tx(pool, shop.tenant_id) as conn:
                rows = await conn.fetch("SELECT product_id, stock_milli FROM product_stock")
            return {r["product_id"]: r["stock_milli"] for r in rows}
        finally:
            await pool.close()

    stock = asyncio.run(run())
    for pid, (counts, moves) in by_rule(changes).items():
        assert stock[pid] == stock_milli(counts, moves), pid
