"""sync.catchup_10k_s and sync.first_sync_s: a device catching up after a busy offline day, and a
new device's first sync of a big shop (50,000 products, 100,000 historical sales)."""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.registry import benchmark
from benchmarks.sync_ingest import _sales
from pos_client.services.sales import record_sale
from pos_client.store.repositories import catalog, facts
from shared.catalog import StarterProduct, load_starter_catalog, starter_changes
from shared.clock import utc_now
from shared.hlc import HybridClock
from shared.sale import PaymentMethod, Tender
from shared.sync.protocol import PushRequest
from shared.tax import IvaRate
from shared.ticket import Ticket, TicketLine
from sync_server.db import EmbeddedPostgres, tenant_tx
from sync_server.services import shops
from sync_server.sync.apply import apply_changes
from tests.support.client import PosDevice, open_device, pair
from tests.support.postgres import fresh_database, make_template
from tests.support.server import ServerHarness

OFFLINE_CHANGES = 10_000
PRODUCTS, HISTORY = 50_000, 100_000


@contextmanager
def _server() -> Iterator[tuple[ServerHarness, Path]]:
    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg")
        make_template(pg.url)
        with fresh_database(pg.url) as url:
            server = ServerHarness(url).start()
            try:
                yield server, Path(tmp)
            finally:
                server.stop()
        pg.stop()


def _device(server: ServerHarness, tenant_id: uuid.UUID, path: Path) -> PosDevice:
    pos = open_device(path)
    code = server.call(lambda pool: shops.create_pairing_code(pool, tenant_id))
    pair(pos, server.url, code.code, path.stem)
    return pos


@benchmark("sync.catchup")
def catchup() -> dict[str, float]:
    """10,000 sales made offline, then one sync: until the outbox is empty."""
    with _server() as (server, tmp):
        shop = server.call(lambda pool: shops.create_shop(pool, "Bench", load_starter_catalog()))
        pos = _device(server, shop.tenant_id, tmp / "caja.sqlite3")
        pos.agent.sync_once()
        with pos.db.read() as conn:
            products = catalog.search(conn, limit=5)
        ticket = Ticket()
        for p in products:
            ticket.add(TicketLine(p.id, p.name, p.price, 1000, p.iva, p.ieps_bp))
        for _ in range(OFFLINE_CHANGES):
            record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
        start = time.perf_counter()
        status = pos.agent.sync_once()
        elapsed = time.perf_counter() - start
        if status.pending or not status.online:
            raise RuntimeError(f"catch-up did not finish: {status}")
        pos.close()
    return {"sync.catchup_10k_s": round(elapsed, 2)}


@benchmark("sync.first_sync")
def first_sync() -> dict[str, float]:
    """A new device pulls a 50,000-product catalog and 100,000 historical sales."""
    with _server() as (server, tmp):
        shop = server.call(lambda pool: shops.create_shop(pool, "Grande"))
        clock = HybridClock()
        products = [StarterProduct(f"{7500000000000 + i}", f"Producto {i}", "Abarrotes",
                                   1000 + i % 5000, 700, IvaRate.GENERAL, 0, False, 0, 100_000)
                    for i in range(PRODUCTS)]
        changes = starter_changes(products, clock, utc_now())
        ids = [c.payload.id for c in changes if c.entity == "product"]

        async def load(pool, batch):  # type: ignore[no-untyped-def]
            async with tenant_tx(pool, shop.tenant_id) as conn:
                return await apply_changes(conn, shop.tenant_id, None, batch)

        for i in range(0, len(changes), 500):
            server.call(lambda pool, b=changes[i:i + 500]: load(pool, b))
        for i in range(0, HISTORY, 500):
            bodies = _sales(500, i + 1, clock, ids[i % 1000:i % 1000 + 5])
            batch = PushRequest.model_validate_json(
                ('{"changes":[' + ",".join(bodies) + "]}").encode()).changes
            batch = [c.model_copy(update={"device_seq": 0}) for c in batch]
            applied = server.call(lambda pool, b=batch: load(pool, b))
            if any(r.status != "accepted" for r in applied.results):
                raise RuntimeError("setup: history sales were not all accepted")
        pos = _device(server, shop.tenant_id, tmp / "nueva.sqlite3")
        start = time.perf_counter()
        status = pos.agent.sync_once()
        elapsed = time.perf_counter() - start
        assert status.online, status
        with pos.db.read() as conn:
            if catalog.count(conn) != PRODUCTS or facts.sale_count(conn) != HISTORY:
                raise RuntimeError("first sync did not bring the whole catalog and history")
        pos.close()
    return {"sync.first_sync_s": round(elapsed, 2)}
