"""sync.capacity: what one server process serves, as tills really call it (docs/scaling.md).

Tills push right after each sale (one sale per push) and pull every 30 s. Many shops' tills
call one server process (``python -m sync_server serve``, its own process) at once from a
thread pool. Measured: pushes and idle pulls per second of wall time, the server process's CPU
per call (from /proc, so the client threads do not count), and the same for ``GET /healthz``
in the same run: the bare baseline of an HTTP call through the same middleware.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks.registry import benchmark
from benchmarks.sync_ingest import _sales
from pos_client.sync.client import SyncClient
from shared.catalog import load_starter_catalog, starter_product_id
from shared.hlc import HybridClock
from sync_server import db
from sync_server.config import Settings
from sync_server.db import EmbeddedPostgres
from sync_server.services import shops
from tests.support.postgres import fresh_database, make_template
from tests.support.process_server import ProcessServer

SHOPS, PUSHES_PER_SHOP, PULLS_PER_SHOP, THREADS = 40, 50, 50, 8


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _cpu_s(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _postgres_cpu_s(data_dir: str) -> float:
    """CPU of this benchmark's PostgreSQL: its postmaster and the backends it forked (other
    clusters on the machine, e.g. other test runs, are not counted)."""
    total, postmaster = 0.0, None
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and data_dir.encode() in (entry / "cmdline").read_bytes():
                postmaster = int(entry.name)
        except OSError:
            continue
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (int(entry.name) == postmaster
                                         or int(_stat(int(entry.name))[1]) == postmaster):
                total += _cpu_s(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return total


def _measure(pid: int, pg_dir: str, jobs: list[Callable[[], list[float]]]
             ) -> tuple[float, float, float, float]:
    """(calls per second, server process CPU ms per call, PostgreSQL CPU ms per call, p99
    latency ms) of running ``jobs``."""
    cpu, pg_cpu, start = _cpu_s(pid), _postgres_cpu_s(pg_dir), time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        latencies = [t for result in pool.map(lambda job: job(), jobs) for t in result]
    wall = time.perf_counter() - start
    n = len(latencies)
    cpu_ms = (_cpu_s(pid) - cpu) * 1000 / n
    pg_ms = (_postgres_cpu_s(pg_dir) - pg_cpu) * 1000 / n
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    return n / wall, cpu_ms, pg_ms, p99


def _timed(calls: list[Callable[[], object]]) -> list[float]:
    out = []
    for call in calls:
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


async def _open_shops(url: str) -> list[tuple[uuid.UUID, str]]:
    pool = await db.create_pool(Settings().app_dsn(url), 4)  # the server's own login
    try:
        out = []
        for i in range(SHOPS):
            shop = await shops.create_shop(pool, f"Tienda {i}", load_starter_catalog()[:5])
            out.append((shop.tenant_id, (await shops.create_pairing_code(pool, shop.tenant_id)).code))
        return out
    finally:
        await pool.close()


@benchmark("sync.capacity")
def capacity() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp))
        make_template(pg.url)
        with fresh_database(pg.url) as url:
            server = ProcessServer(url, MCH_LOG_LEVEL="WARNING").start()
            assert server._proc is not None
            pid = server._proc.pid
            try:
                tills = []
                for _, code in asyncio.run(_open_shops(url)):
                    paired = SyncClient(server.url).pair(code, "caja")
                    tills.append(SyncClient(server.url, paired.credential))
                products = [starter_product_id(p.barcode) for p in load_starter_catalog()[:5]]
                bodies = [_sales(PUSHES_PER_SHOP, 1, HybridClock(), products) for _ in tills]
                pushes = [lambda c=c, b=b: _timed([lambda s=s: c.push([s]) for s in b])
                          for c, b in zip(tills, bodies, strict=True)]
                push_rate, push_cpu, push_pg, push_p99 = _measure(pid, tmp, pushes)
                heads = [c.pull(0, 1000).cursor for c in tills]
                pulls = [lambda c=c, h=h: _timed([lambda: c.pull(h)] * PULLS_PER_SHOP)
                         for c, h in zip(tills, heads, strict=True)]
                pull_rate, pull_cpu, pull_pg, pull_p99 = _measure(pid, tmp, pulls)
                probes = [httpx.Client(base_url=server.url) for _ in tills]
                bare = [lambda p=p: _timed([lambda: p.get("/healthz")] * PUSHES_PER_SHOP)
                        for p in probes]
                bare_rate, bare_cpu, _, _ = _measure(pid, tmp, bare)
                for client in [*tills, *probes]:
                    client.close()
            finally:
                server.stop()
        pg.stop()
    # A busy corner shop at its peak hour: a sale a minute (one push) and two tills pulling
    # every 30 s (four pulls a minute), per minute of one core of the server process.
    shop_cpu_ms_per_min = push_cpu + 4 * pull_cpu
    shop_pg_ms_per_min = push_pg + 4 * pull_pg
    return {
        "sync.capacity_push_pg_cpu_ms": round(push_pg, 3),
        "sync.capacity_pull_pg_cpu_ms": round(pull_pg, 3),
        "sync.capacity_busy_shops_per_pg_core": round(60_000 / shop_pg_ms_per_min),
        "sync.capacity_pushes_per_s": round(push_rate, 1),
        "sync.capacity_push_cpu_ms": round(push_cpu, 3),
        "sync.capacity_push_p99_ms": round(push_p99, 1),
        "sync.capacity_pulls_per_s": round(pull_rate, 1),
        "sync.capacity_pull_cpu_ms": round(pull_cpu, 3),
        "sync.capacity_pull_p99_ms": round(pull_p99, 1),
        "sync.capacity_healthz_cpu_ms": round(bare_cpu, 3),
        "sync.capacity_healthz_per_s": round(bare_rate, 1),
        "sync.capacity_push_vs_healthz_cpu": round(push_cpu / bare_cpu, 2),
        "sync.capacity_busy_shops_per_core": round(60_000 / shop_cpu_ms_per_min),
    }
