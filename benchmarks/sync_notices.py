"""Change notices on loopback, each figure beside a bare baseline of the same run.

- ``sync.notice_p99_ms``: a sale on one till (committed in its store) until another till of
  the same shop holds it in its own store, woken by the server's change notice (the stream of
  ``GET /v1/sync/notices``), over 200 sales one after another. The server runs in its own
  process. Baseline: the second till's own sync pass when nothing is new (push nothing, pull
  an empty page): the floor of any pull (``sync.notice_bare_sync_p99_ms``).
- ``server.waiting_tills``: one server process holds 2,000 waiting notice streams of 500 shops
  (four tills each) and answers one-sale pushes, each waking its shop's four streams; p99 of
  the push (``server.waiting_push_p99_ms``) beside ``GET /healthz``'s p99 in the same state,
  and the process's resident memory before and with the streams (per waiting till).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import httpx

from benchmarks.registry import benchmark
from benchmarks.sync_ingest import _sales
from pos_client.sync.client import SyncClient
from shared.catalog import load_starter_catalog, starter_product_id
from shared.hlc import HybridClock
from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server import db
from sync_server.config import Settings
from sync_server.db import EmbeddedPostgres
from sync_server.services import shops
from tests.support.postgres import fresh_database, make_template
from tests.support.process_server import ProcessServer
from tests.support.wait import wait_until

SALES = 200
SHOPS, TILLS_PER_SHOP, PUSHES = 500, 4, 500


def p99(samples: Sequence[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] if len(samples) >= 100 else max(samples)


def _has_sale(pos, sale_id: uuid.UUID) -> bool:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with pos.db.read() as conn:
        return conn.execute(text("SELECT 1 FROM sales WHERE id = :id"),
                            {"id": str(sale_id)}).first() is not None


@benchmark("sync.notice")
def notice_p99(sales: int = SALES) -> dict[str, float]:
    from pos_client.services.sales import record_sale
    from shared.sale import PaymentMethod, Tender
    from tests.support.client import open_device, pair
    from tests.support.sales import ticket_for

    catalog = load_starter_catalog()[:5]
    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg")
        make_template(pg.url)
        with fresh_database(pg.url) as url:
            codes = asyncio.run(_shops(url, 1, 2, catalog))[0]
            server = ProcessServer(url, MCH_LOG_LEVEL="WARNING").start(timeout=180)
            seller = open_device(Path(tmp) / "a.sqlite3")
            other = open_device(Path(tmp) / "b.sqlite3")
            try:
                for pos, code in zip((seller, other), codes, strict=True):
                    pair(pos, server.url, code, "caja")
                    pos.agent.sync_once()
                bare = []
                for _ in range(sales):
                    t0 = time.perf_counter()
                    other.agent.sync_once()
                    bare.append((time.perf_counter() - t0) * 1000)
                other.agent.start()  # its poll is every 30 s: only a notice is this quick
                wait_until(lambda: other.agent.notices and other.agent.notices.connected.is_set(),
                           timeout=30, what="the other till listening")
                latencies = []
                for _ in range(sales):
                    ticket = ticket_for(seller.db, catalog[0].barcode, 1)
                    t0 = time.perf_counter()
                    sale = record_sale(seller.till, ticket, [Tender(PaymentMethod.CASH,
                                                                    ticket.total)])
                    seller.agent.sync_once()  # a till pushes right after each sale
                    wait_until(lambda s=sale.sale_id: _has_sale(other, s), timeout=30,
                               what="the sale on the other till")
                    latencies.append((time.perf_counter() - t0) * 1000)
            finally:
                seller.close()
                other.close()
                server.stop()
        pg.stop()
    return {
        "sync.notice_p99_ms": round(p99(latencies), 1),
        "sync.notice_median_ms": round(statistics.median(latencies), 1),
        "sync.notice_bare_sync_p99_ms": round(p99(bare), 1),
        "sync.notice_ratio": round(p99(latencies) / p99(bare), 2),
    }


async def _shops(url: str, count: int, tills: int, catalog: Sequence[object] = ()
                 ) -> list[list[str]]:
    """``count`` shops on a plan for ``tills`` tills, and a pairing code for each till."""
    from tests.support.billing import put_on_plan

    pool = await db.create_pool(Settings().app_dsn(url), 4)  # the server's own login
    try:
        out = []
        for i in range(count):
            shop = await shops.create_shop(pool, f"Tienda {i}", catalog)  # type: ignore[arg-type]
            await put_on_plan(pool, shop.tenant_id, "tiendita")
            out.append([(await shops.create_pairing_code(pool, shop.tenant_id)).code
                        for _ in range(tills)])
        return out
    finally:
        await pool.close()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class _Waiters:
    """Notice streams held open from a thread of their own (one asyncio loop, raw sockets:
    2,000 of them cost the benchmark little), counting the ``feed`` events they hear."""

    def __init__(self, port: int, credentials: Sequence[str]) -> None:
        self.port, self.credentials = port, credentials
        self.open = 0
        self.events = 0
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> _Waiters:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)

    def _run(self) -> None:
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        tasks = []
        for i in range(0, len(self.credentials), 100):  # connect in steps, as tills come online
            tasks += [asyncio.create_task(self._wait(c)) for c in self.credentials[i:i + 100]]
            await asyncio.sleep(0.05)
        await self._stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _wait(self, credential: str) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write((f"GET /v1/sync/notices?cursor=0 HTTP/1.1\r\nHost: bench\r\n"
                      f"{PROTOCOL_HEADER}: {PROTOCOL_VERSION}\r\n"
                      f"Authorization: Bearer {credential}\r\n"
                      "Accept: text/event-stream\r\n\r\n").encode())
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"notice stream refused: {status!r}")
        self.open += 1
        try:
            while line := await reader.readline():
                if line.startswith(b"event: feed"):
                    self.events += 1
        finally:
            writer.close()


@benchmark("server.waiting_tills")
def waiting_tills(shop_count: int = SHOPS, tills: int = TILLS_PER_SHOP,
                  pushes: int = PUSHES) -> dict[str, float]:
    catalog = load_starter_catalog()[:5]  # a benchmark sale has five lines
    products = [starter_product_id(p.barcode) for p in catalog]
    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg")
        make_template(pg.url)
        with fresh_database(pg.url) as url:
            codes = asyncio.run(_shops(url, shop_count, tills, catalog))
            # Streams last the whole run; the pool is the server's default.
            server = ProcessServer(url, MCH_LOG_LEVEL="WARNING",
                                   MCH_NOTICE_STREAM_S="3600").start(timeout=180)
            try:
                creds = [[SyncClient(server.url).pair(c, f"caja {n}").credential
                          for n, c in enumerate(shop)] for shop in codes]
                rss_idle = _rss_mb(server.pid)
                waiters = _Waiters(server.port, [c for shop in creds for c in shop]).start()
                # Each stream hears the shop's head once as it opens (its cursor is 0).
                wait_until(lambda: waiters.events == shop_count * tills, timeout=600,
                           what="every till waiting")
                rss_waiting = _rss_mb(server.pid)
                pushers = [SyncClient(server.url, shop[0]) for shop in creds]
                clocks = [HybridClock() for _ in pushers]
                push_ms = []
                for i in range(pushes):
                    k, nth = i % len(pushers), i // len(pushers)  # round the shops
                    [body] = _sales(1, nth + 1, clocks[k], products)
                    t0 = time.perf_counter()
                    pushers[k].push([body])
                    push_ms.append((time.perf_counter() - t0) * 1000)
                # Each push wakes its shop's four streams (the pusher's own too).
                wait_until(lambda: waiters.events == (shop_count + pushes) * tills,
                           timeout=120, what="the notices of the pushes")
                health_ms = []
                with httpx.Client(base_url=server.url) as probe:
                    for _ in range(pushes):
                        t0 = time.perf_counter()
                        probe.get("/healthz")
                        health_ms.append((time.perf_counter() - t0) * 1000)
                still_open = waiters.open
                waiters.stop()
                for client in pushers:
                    client.close()
            finally:
                server.stop()
        pg.stop()
    waiting = shop_count * tills
    return {
        "server.waiting_tills": still_open,
        "server.waiting_push_p99_ms": round(p99(push_ms), 1),
        "server.waiting_healthz_p99_ms": round(p99(health_ms), 1),
        "server.waiting_push_ratio": round(p99(push_ms) / p99(health_ms), 2),
        "server.waiting_rss_mb": round(rss_waiting, 1),
        "server.idle_rss_mb": round(rss_idle, 1),
        "server.rss_kb_per_waiting_till": round((rss_waiting - rss_idle) * 1024 / waiting, 1),
    }
