"""client.sale_commit_ms: median time to commit a 5-line cash sale with its outbox rows."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.registry import benchmark
from pos_client.services.catalog import load_starter
from pos_client.services.sales import record_sale
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import load_device
from pos_client.store.repositories import catalog
from shared.catalog import load_starter_catalog
from shared.sale import PaymentMethod, Tender
from shared.ticket import Ticket, TicketLine

SALES = 300


@benchmark("client.sale_commit")
def sale_commit() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "pos.sqlite3")
        device = load_device(db)
        load_starter(Till(db, device), load_starter_catalog())
        with db.read() as conn:
            products = catalog.search(conn, limit=5)
        ticket = Ticket()
        for p in products:
            ticket.add(TicketLine(p.id, p.name, p.price, 1000, p.iva, p.ieps_bp))
        tenders = [Tender(PaymentMethod.CASH, ticket.total + 5_000)]
        till, timings = Till(db, device), []
        for _ in range(SALES):
            start = time.perf_counter()
            record_sale(till, ticket, tenders)
            timings.append((time.perf_counter() - start) * 1000)
        db.close()
    return {
        "client.sale_commit_ms": round(statistics.median(timings), 3),
        "client.sale_commit_p99_ms": round(sorted(timings)[int(len(timings) * 0.99) - 1], 3),
    }
