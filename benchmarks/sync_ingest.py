"""sync.ingest_ratio: push throughput through the full path, relative to a bare COPY of the same rows.

The full path: HTTP on loopback, credential check, strict validation, dedupe, the domain rows
(sales, lines, payments), the feed rows and the per-change answers. The baseline: asyncpg
``copy_records_to_table`` of exactly the rows the full path writes (feed, sales, lines,
payments) for the same number of sales, into the same tables, as the owner. Both in changes
per second; the ratio is full / baseline.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from benchmarks.registry import benchmark
from pos_client.sync.client import SyncClient
from shared.catalog import load_starter_catalog, starter_product_id
from shared.clock import utc_now
from shared.folio import format_folio
from shared.hlc import HybridClock
from shared.ids import new_uuid7
from shared.sale import PaymentMethod
from shared.sync.envelopes import SaleChange
from shared.sync.payloads import SaleLinePayload, SalePayload, SalePaymentPayload
from shared.tax import IvaRate
from sync_server.db import EmbeddedPostgres
from sync_server.services import shops
from tests.support.postgres import fresh_database, make_template
from tests.support.server import ServerHarness

BATCHES, BATCH = 20, 500


def _sales(n: int, start_seq: int, clock: HybridClock, products: list[uuid.UUID]) -> list[str]:
    out = []
    for i in range(n):
        now = utc_now()
        lines = [SaleLinePayload(line_no=j + 1, product_id=products[j], name=f"Producto {j}",
                                 qty_milli=1000, unit_price=2000, total=2000, iva=IvaRate.GENERAL)
                 for j in range(5)]
        sale = SalePayload(id=new_uuid7(), folio=format_folio("C1", start_seq + i), sold_at=now,
                           total=10_000, change=0, lines=lines,
                           payments=[SalePaymentPayload(method=PaymentMethod.CASH, amount=10_000,
                                                        tendered=10_000)])
        out.append(SaleChange(change_id=new_uuid7(), device_seq=start_seq + i, hlc=clock.now(),
                              created_at=now, entity="sale", payload=sale).model_dump_json())
    return out


async def _copy_rate(url: str, tenant_id: uuid.UUID, bodies: list[str]) -> float:
    """Changes per second of COPYing the same rows the push wrote, under fresh ids."""
    changes = [SaleChange.model_validate_json(b) for b in bodies]
    feed, sales, lines, payments = [], [], [], []
    for seq, c in enumerate(changes, start=10**9):
        s, sale_id = c.payload, uuid.uuid4()
        feed.append((tenant_id, seq, uuid.uuid4(), None, c.device_seq, c.entity, c.op, c.hlc,
                     bodies[seq - 10**9]))
        sales.append((tenant_id, sale_id, None, s.folio, s.sold_at, s.total, s.change,
                      s.customer_id, s.cashier_id, s.shift_id))
        lines += [(tenant_id, sale_id, ln.line_no, ln.product_id, ln.name, ln.qty_milli,
                   ln.unit_price, ln.total, ln.iva.value, ln.ieps_bp, ln.discount, ln.cost)
                  for ln in s.lines]
        payments += [(tenant_id, sale_id, i, p.method.value, p.amount, p.tendered, p.reference)
                     for i, p in enumerate(s.payments, start=1)]
    conn = await asyncpg.connect(url)
    try:
        start = time.perf_counter()
        await conn.copy_records_to_table("changes", records=feed, columns=[
            "tenant_id", "seq", "change_id", "origin_device_id", "device_seq", "entity", "op",
            "hlc", "body"])
        # Named columns: the same ones the push writes, whatever order migrations added them in.
        await conn.copy_records_to_table("sales", records=sales, columns=[
            "tenant_id", "sale_id", "device_id", "folio", "sold_at", "total", "change",
            "customer_id", "cashier_id", "shift_id"])
        await conn.copy_records_to_table("sale_lines", records=lines, columns=[
            "tenant_id", "sale_id", "line_no", "product_id", "name", "qty_milli", "unit_price",
            "total", "iva", "ieps_bp", "discount", "cost"])
        await conn.copy_records_to_table("sale_payments", records=payments)
        return len(changes) / (time.perf_counter() - start)
    finally:
        await conn.close()


@benchmark("sync.ingest")
def ingest() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp))
        make_template(pg.url)
        with fresh_database(pg.url) as url:
            server = ServerHarness(url).start()
            try:
                shop = server.call(lambda pool: shops.create_shop(
                    pool, "Bench", load_starter_catalog()[:5]))
                code = server.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
                paired = SyncClient(server.url).pair(code.code, "bench")
                client = SyncClient(server.url, paired.credential)
                # The shop's own products: stock checks and alerts are part of the path.
                products = [starter_product_id(p.barcode) for p in load_starter_catalog()[:5]]
                clock = HybridClock()
                batches = [_sales(BATCH, b * BATCH + 1, clock, products) for b in range(BATCHES)]
                start = time.perf_counter()
                answers = [client.push(batch) for batch in batches]
                full_rate = BATCHES * BATCH / (time.perf_counter() - start)
                if any(r.status != "accepted" for a in answers for r in a.results):
                    raise RuntimeError("not every pushed change was accepted")
                client.close()
                copy_rate = asyncio.run(_copy_rate(url, shop.tenant_id,
                                                   [b for batch in batches for b in batch]))
            finally:
                server.stop()
        pg.stop()
    return {
        "sync.ingest_ratio": round(full_rate / copy_rate, 4),
        "sync.ingest_changes_per_s": round(full_rate, 1),
        "sync.copy_changes_per_s": round(copy_rate, 1),
    }
