"""bot.*: the WhatsApp channel on loopback, each figure beside a bare baseline of the same run.

- ``bot.webhook_ack_p99_ms``: signed webhook POSTs (one new message each) sent open-loop at
  200 per second; p99 of the time to the 200, while the same process answers every message
  (the replies reach the fake Graph API). Baseline: ``GET /healthz`` at the same rate.
  ``bot.webhook_ack_web_replica_p99_ms``: the same on a replica that only answers HTTP
  (``MCH_BACKGROUND_WORKERS=false``) while a second replica does the answering, with that
  replica's CPU per request, ack and ``/healthz`` (``bot.webhook_ack_cpu_ratio``): on a
  machine shared with other work the latencies swing with the load, the CPU much less.
- Each ack figure is of a steady server: a first second of POSTs at the same rate (each pool
  connection's first use prepares its statements and loads its type codecs, ~10–40 ms each,
  and an open-loop burst queues behind those stalls) is sent first and reported on its own,
  ``bot.webhook_ack_cold_p99_ms``.
- ``bot.reply_p99_ms``: one customer message at a time, from the POST to the reply arriving
  at the fake Graph API (webhook → inbox → rule parser → outbox → sender). Baseline: the two
  bare hops the path cannot avoid, a POST to ``/healthz``'s neighbour (GET /healthz) and a POST
  straight to the fake Graph API.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

from benchmarks.registry import benchmark
from benchmarks.sync_capacity import _cpu_s
from shared.catalog import load_starter_catalog
from sync_server.db import EmbeddedPostgres
from sync_server.services import shops
from tests.support.fakes.graph import FakeGraph
from tests.support.postgres import fresh_database, make_template
from tests.support.process_server import ProcessServer
from tests.support.server import ServerHarness
from tests.support.wait import wait_until
from tests.support.whatsapp import (
    APP_SECRET,
    SHOP_NUMBER_ID,
    message,
    settings_for,
    shop_owns_number,
    signature,
)

RATE = 200  # requests per second
ACKS = RATE * 5  # five seconds of them (and as many GETs of /healthz)
WARM = RATE  # a first second of POSTs, measured apart (the cold start)
REPLIES = 100


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] if len(samples) >= 100 else max(samples)


def _open_loop(url: str, bodies: list[bytes] | None, tmp: Path) -> list[float]:
    """RATE requests per second, each on its schedule whether or not earlier ones have
    answered (the latency a caller like Meta sees), sent from a process of their own."""
    source = "-"
    if bodies is not None:
        path = tmp / "bodies.jsonl"
        path.write_bytes(b"\n".join(bodies))
        source = str(path)
    done = subprocess.run([sys.executable, "-m", "benchmarks.loadgen", url, str(RATE), source,
                           APP_SECRET], capture_output=True, text=True, check=True)
    latencies: list[float] = json.loads(done.stdout)
    return latencies


def _production_env(graph: FakeGraph) -> dict[str, str]:
    """The fake Graph API, with the server's own polling and pacing (the tests' quick polls
    would measure themselves): the path is woken by NOTIFY, not by the polls."""
    quick = settings_for(graph)
    for name in ("whatsapp_poll_s", "whatsapp_inbox_poll_s", "whatsapp_pair_interval_s"):
        quick.pop(name)
    return {f"MCH_{k.upper()}": str(v) for k, v in quick.items()}


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
            server = ProcessServer(url, **_production_env(graph)).start()
            try:
                replies = _reply_times(server, graph)
                bare = _bare_hops(server, graph)
                health = _open_loop(server.url, None, Path(tmp))
                cold = _open_loop(server.url, [
                    message("hola", wa_id=_customer(90_000_000 + n), number=SHOP_NUMBER_ID)
                    for n in range(WARM)], Path(tmp))
                bodies = [message("hola", wa_id=_customer(n), number=SHOP_NUMBER_ID)
                          for n in range(ACKS)]
                one_process = _open_loop(server.url, bodies, Path(tmp))
                wait_until(lambda: _unhandled(url) == 0, timeout=300, what="every message answered")
                # Split: a replica that only answers HTTP, the answering left to this one.
                web = ProcessServer(url, MCH_BACKGROUND_WORKERS="false",
                                    **_production_env(graph)).start()
                try:
                    bodies = [message("hola", wa_id=_customer(10_000 + n), number=SHOP_NUMBER_ID)
                              for n in range(ACKS)]
                    pid = web.pid
                    web_cold = _open_loop(web.url, [
                        message("hola", wa_id=_customer(91_000_000 + n), number=SHOP_NUMBER_ID)
                        for n in range(WARM)], Path(tmp))
                    cpu0 = _cpu_s(pid)
                    acks = _open_loop(web.url, bodies, Path(tmp))
                    cpu1 = _cpu_s(pid)
                    split_health = _open_loop(web.url, None, Path(tmp))
                    cpu2 = _cpu_s(pid)
                    wait_until(lambda: _unhandled(url) == 0, timeout=300,
                               what="every message answered")
                finally:
                    web.stop()
            finally:
                server.stop()
        graph.stop()
        pg.stop()
    ack_p99, health_p99 = p99(one_process), p99(health)
    ack_cpu, health_cpu = (cpu1 - cpu0) * 1000 / len(acks), (cpu2 - cpu1) * 1000 / len(split_health)
    reply_p99, bare_p99 = p99(replies), p99(bare)
    return {
        "bot.webhook_ack_p99_ms": round(ack_p99, 1),
        "bot.webhook_ack_healthz_p99_ms": round(health_p99, 1),
        "bot.webhook_ack_cold_p99_ms": round(p99(cold), 1),
        "bot.webhook_ack_web_replica_cold_p99_ms": round(p99(web_cold), 1),
        "bot.webhook_ack_ratio": round(ack_p99 / health_p99, 2),
        "bot.webhook_ack_web_replica_p99_ms": round(p99(acks), 1),
        "bot.webhook_ack_web_replica_healthz_p99_ms": round(p99(split_health), 1),
        "bot.webhook_ack_web_replica_ratio": round(p99(acks) / p99(split_health), 2),
        "bot.webhook_ack_cpu_ms": round(ack_cpu, 2),
        "bot.webhook_ack_healthz_cpu_ms": round(health_cpu, 2),
        "bot.webhook_ack_cpu_ratio": round(ack_cpu / health_cpu, 2),
        "bot.reply_p99_ms": round(reply_p99, 1),
        "bot.reply_median_ms": round(statistics.median(replies), 1),
        "bot.reply_bare_hops_p99_ms": round(bare_p99, 1),
        "bot.reply_ratio": round(reply_p99 / bare_p99, 2),
    }


ORDERS = 50


def _orders_on(pos) -> int:  # type: ignore[no-untyped-def]
    from pos_client.services import orders
    from pos_client.services.till import Till

    return len(orders.open_orders(Till(pos.db, pos.device)))


@benchmark("bot.order")
def order_to_till() -> dict[str, float]:
    """``bot.order_to_till_p99_ms``: from the customer's confirm button (the webhook POST) to
    the order in a paired till's own store, pulled on the server's change notice. Baseline:
    a paired till's bare pull round trip (nothing new), the floor of any pull."""
    from tests.support.client import open_device, pair

    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg")
        make_template(pg.url)
        graph = FakeGraph().start()
        with fresh_database(pg.url) as url:
            setup = ServerHarness(url, **settings_for(graph)).start()
            shop = setup.call(lambda pool: shops.create_shop(
                pool, "Bench", load_starter_catalog()[:20]))
            shop_owns_number(setup, shop.tenant_id)
            code = setup.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
            setup.stop()
            server = ProcessServer(url, **_production_env(graph)).start()
            pos = open_device(Path(tmp) / "till.sqlite3")
            try:
                pair(pos, server.url, code.code, "caja")
                pos.agent.sync_once()
                pos.agent.start()
                wait_until(lambda: pos.agent.notices and pos.agent.notices.connected.is_set(),
                           timeout=30, what="the till listening")
                latencies = []
                with httpx.Client(timeout=30) as client:
                    for n in range(ORDERS):
                        wa_id = _customer(70_000_000 + n)
                        to = "52" + wa_id[3:]
                        for body in (message("quiero 2 cocas de 600", wa_id=wa_id,
                                             number=SHOP_NUMBER_ID),):
                            client.post(f"{server.url}/v1/whatsapp/webhook", content=body, headers={
                                "Content-Type": "application/json",
                                "X-Hub-Signature-256": signature(body)})
                        graph.wait_for(lambda got, to=to: any(
                            r.body.get("to") == to and r.body.get("type") == "interactive"
                            for r in got), 30)
                        confirm = message(wa_id=wa_id, number=SHOP_NUMBER_ID,
                                          interactive=("order:pickup", "Paso a recoger"))
                        t0 = time.monotonic()
                        client.post(f"{server.url}/v1/whatsapp/webhook", content=confirm, headers={
                            "Content-Type": "application/json",
                            "X-Hub-Signature-256": signature(confirm)})
                        wait_until(lambda n=n: _orders_on(pos) == n + 1, timeout=30,
                                   what="the order on the till")
                        latencies.append((time.monotonic() - t0) * 1000)
                bare = []
                for _ in range(ORDERS):
                    t0 = time.monotonic()
                    pos.agent.sync_once()
                    bare.append((time.monotonic() - t0) * 1000)
            finally:
                pos.close()
                server.stop()
        graph.stop()
        pg.stop()
    return {
        "bot.order_to_till_p99_ms": round(p99(latencies), 1),
        "bot.order_to_till_median_ms": round(statistics.median(latencies), 1),
        "bot.order_bare_sync_p99_ms": round(p99(bare), 1),
        "bot.order_to_till_ratio": round(p99(latencies) / p99(bare), 2),
    }
