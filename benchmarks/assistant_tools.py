"""assistant.tool_p99_ms: every read tool of the shop, through the one call path the rule bot,
the assistant and MCP use (role check, validation, one tenant transaction, audit), on a shop
with a year of sales (~50,000 tickets, ~150,000 lines). Target: ≤ 100 ms each.

Bare baseline, same run, same pool: one tenant transaction counting this month's sales (the
smallest aggregate over the same tables). The ratio is the slowest tool's p99 over the
baseline's p99.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.registry import benchmark
from shared.catalog import load_starter_catalog
from shared.ids import new_uuid7
from sync_server import db
from sync_server.config import Settings
from sync_server.db import EmbeddedPostgres
from sync_server.repositories import devices
from sync_server.services import shops
from sync_server.tools.base import Caller, CallerRole
from sync_server.tools.calls import ToolEnv, call_tool
from sync_server.tools.registry import TOOLS
from tests.support.postgres import fresh_database, make_template
from tests.support.year_of_sales import build_year, write_year, year_end

RUNS, WARMUP = 40, 3
ARGS: dict[str, dict[str, Any]] = {
    "search_products": {"query": "coca"}, "price_and_stock": {"query": "coca 600"},
    "product_detail": {"query": "coca 600"}, "sales_summary": {"period": "este_mes"},
    "sales_by_day": {"period": "ultimos_30_dias"}, "sales_by_hour": {"period": "ultimos_7_dias"},
    "sales_by_department": {"period": "este_mes"}, "sales_by_payment": {"period": "este_mes"},
    "top_products": {"period": "este_mes"}, "gross_margin": {"period": "este_mes"},
}


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


async def _timed(fn: Callable[[], Awaitable[Any]], runs: int) -> float:
    for _ in range(WARMUP):
        await fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    return _p99(samples)


async def measure(url: str, *, days: int = 365, tickets_per_day: int = 140,
                  runs: int = RUNS) -> dict[str, float]:
    """Every read tool's p99 (ms) on a fresh database at ``url`` (the owner's login) filled with
    ``days`` of trade, and the bare baseline's, "baseline"; "tickets": how many were written."""
    settings = Settings(database_url=url)
    pool = await db.create_pool(settings.app_dsn(url), 4)  # the server's own login
    try:
        catalog = load_starter_catalog()
        shop = await shops.create_shop(pool, "Abarrotes del año", catalog)
        device = new_uuid7()
        async with db.tenant_tx(pool, shop.tenant_id) as conn:
            await devices.insert(conn, shop.tenant_id, device, "Caja 1", "C1", b"x" * 32)
        year = build_year(shop.tenant_id, device, catalog, year_end(), days=days,
                          tickets_per_day=tickets_per_day)
        await write_year(url, year)
        env = ToolEnv.from_settings(pool, settings)
        owner = Caller(shop.tenant_id, CallerRole.OWNER, "prueba", "benchmark")
        out: dict[str, float] = {}
        for name, t in TOOLS.items():
            if t.write:
                continue
            args = ARGS.get(name, {})
            if name == "customer_statement":
                args = {"customer_id": str(year.customers[0])}

            async def one(name: str = name, args: dict[str, Any] = args) -> Any:
                return await call_tool(env, owner, name, args)

            out[name] = await _timed(one, runs)

        async def bare() -> Any:
            async with db.tenant_tx(pool, shop.tenant_id) as conn:
                return await conn.fetchval(
                    "SELECT count(*) FROM sales WHERE tenant_id = $1 AND sold_at >= "
                    "date_trunc('month', now())", shop.tenant_id)

        baseline = await _timed(bare, runs)
        return {"tickets": year.tickets, "baseline": baseline, **out}
    finally:
        await pool.close()


@benchmark("assistant.tools")
def tools() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp))
        try:
            make_template(pg.url)
            with fresh_database(pg.url) as url:
                found = asyncio.run(measure(url))
        finally:
            pg.stop()
    tickets, baseline = found.pop("tickets"), found.pop("baseline")
    slowest = max(found, key=lambda k: found[k])
    for name, ms in sorted(found.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<24} p99 {ms:7.1f} ms")
    print(f"  slowest: {slowest}; baseline p99 {baseline:.2f} ms; {int(tickets):,} tickets")
    return {
        "assistant.tool_p99_ms": round(found[slowest], 1),
        "assistant.tool_p99_ratio": round(found[slowest] / baseline, 1),
        "assistant.tool_baseline_p99_ms": round(baseline, 2),
    }
