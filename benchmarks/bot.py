"""bot.*: the WhatsApp channel on loopback, each figure beside a bare baseline of the same run.

- ``bot.webhook_ack_p99_ms``: signed webhook POSTs (one new message each) sent open-loop at
  200 per second; p99 of the time to the 200. Baseline: ``GET /healthz`` at the same rate,
  same server, right after. While the acks are measured the worker is answering the messages
  (the replies reach the fake Graph API): the ack competes with the real work.
- ``bot.reply_p99_ms``: one customer message at a time, from the POST to the reply arriving
  at the fake Graph API (webhook → inbox → rule parser → outbox → sender). Baseline: the two
  bare hops the path cannot avoid, a POST to ``/healthz``'s neighbour (GET /healthz) and a POST
  straight to the fake Graph API.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

from benchmarks.registry import benchmark
from shared.catalog import load_starter_catalog
from sync_server.db import EmbeddedPostgres
from sync_server.services import shops
from tests.support.fakes.graph import FakeGraph
from tests.support.postgres import fresh_database, make_template
from tests.support.process_server import ProcessServer
from tests.support.server import ServerHarness
from tests.support.wait import wait_until
from tests.support.whatsapp import (
    SHOP_NUMBER_ID,
    message,
    settings_for,
    shop_owns_number,
    signature,
)

RATE = 200  # requests per second
ACKS = 1000  # five seconds of them
REPLIES = 100


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] if len(samples) >= 100 else max(samples)


async def _open_loop(url: str, bodies: list[bytes | None]) -> list[float]:
    """Each request starts on its schedule (RATE per second) whether or not earlier ones have
    answered: the latency a caller like Meta sees, not a closed loop's politeness."""
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=200)) as client:
        start = time.perf_counter()

        async def one(i: int, body: bytes | None) -> float:
            await asyncio.sleep(max(0.0, start + i / RATE - time.perf_counter()))
            t0 = time.perf_counter()
            if body is None:
                answer = await client.get(f"{url}/healthz")
            else:
                answer = await client.post(f"{url}/v1/whatsapp/webhook", content=body, headers={
                    "Content-Type": "application/json", "X-Hub-Signature-256": signature(body)})
            if answer.status_code != 200:
                raise RuntimeError(f"HTTP {answer.status_code}: {answer.text[:200]}")
            return (time.perf_counter() - t0) * 1000

        return list(await asyncio.gather(*(one(i, b) for i, b in enumerate(bodies))))


def _unhandled(url: str) -> int:
    async def count() -> int:
        conn = await asyncpg.connect(url)
        try:
            n: int = await conn.fetchval(
                "SELECT count(*) FROM whatsapp_inbox WHERE handled_at IS NULL")
            return n
        finally:
            await conn.close()
    return asyncio.run(count())


def _customer(n: int) -> str:
    return f"52155{n:08d}"


def _reply_times(server: ProcessServer, graph: FakeGraph) -> list[float]:
    out = []
    with httpx.Client(timeout=30) as client:
        for n in range(REPLIES):
            wa_id = _customer(50_000_000 + n)  # a new person each time: no pacing between them
            body = message("¿tienen coca de 600?", wa_id=wa_id, number=SHOP_NUMBER_ID)
            t0 = time.monotonic()
            client.post(f"{server.url}/v1/whatsapp/webhook", content=body, headers={
                "Content-Type": "application/json", "X-Hub-Signature-256": signature(body)})
            to = "52" + wa_id[3:]
            if not graph.wait_for(lambda got, to=to: any(r.body.get("to") == to for r in got), 10):
                raise RuntimeError("no reply reached the fake Graph API")
            arrived = next(r.at for r in graph.sent() if r.body.get("to") == to)
            out.append((arrived - t0) * 1000)
    return out


def _bare_hops(server: ProcessServer, graph: FakeGraph) -> list[float]:
    out = []
    with httpx.Client(timeout=30) as client:
        for _ in range(REPLIES):
            t0 = time.monotonic()
            client.get(f"{server.url}/healthz")
            client.post(f"{graph.url}/v21.0/{SHOP_NUMBER_ID}/messages",
                        json={"messaging_product": "whatsapp", "to": "520000000000",
                              "type": "text", "text": {"body": "hola"}})
            out.append((time.monotonic() - t0) * 1000)
    return out


@benchmark("bot")
def bot() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp))
        make_template(pg.url)
        graph = FakeGraph().start()
        with fresh_database(pg.url) as url:
            # The shop is made in-process; the server measured runs in its own process, so the
            # benchmark's client does not share its interpreter.
            setup = ServerHarness(url, **settings_for(graph)).start()
            shop = setup.call(lambda pool: shops.create_shop(
                pool, "Bench", load_starter_catalog()[:20]))
            shop_owns_number(setup, shop.tenant_id)
            setup.stop()
            env = {f"MCH_{k.upper()}": str(v) for k, v in settings_for(graph).items()}
            server = ProcessServer(url, **env).start()
            try:
                replies = _reply_times(server, graph)
                bare = _bare_hops(server, graph)
                health = asyncio.run(_open_loop(server.url, [None] * ACKS))
                bodies: list[bytes | None] = [
                    message("hola", wa_id=_customer(n), number=SHOP_NUMBER_ID) for n in range(ACKS)]
                acks = asyncio.run(_open_loop(server.url, bodies))
                wait_until(lambda: _unhandled(url) == 0, timeout=300, what="every message answered")
            finally:
                server.stop()
        graph.stop()
        pg.stop()
    ack_p99, health_p99 = p99(acks), p99(health)
    reply_p99, bare_p99 = p99(replies), p99(bare)
    return {
        "bot.webhook_ack_p99_ms": round(ack_p99, 1),
        "bot.webhook_ack_healthz_p99_ms": round(health_p99, 1),
        "bot.webhook_ack_ratio": round(ack_p99 / health_p99, 2),
        "bot.reply_p99_ms": round(reply_p99, 1),
        "bot.reply_median_ms": round(statistics.median(replies), 1),
        "bot.reply_bare_hops_p99_ms": round(bare_p99, 1),
        "bot.reply_ratio": round(reply_p99 / bare_p99, 2),
    }
