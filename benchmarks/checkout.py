"""The counter with a 50,000-product catalog: scan to line, search per keystroke, sale commit
versus bare sqlite3, cold start and memory."""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.registry import benchmark
from pos_client.services import cortes, staff_admin
from pos_client.services.catalog import load_starter
from pos_client.services.sales import SaleContext, record_sale
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import load_device
from pos_client.store.repositories import catalog
from shared.catalog import StarterProduct
from shared.permissions import Role
from shared.sale import PaymentMethod, Tender
from shared.tax import IvaRate
from shared.ticket import Ticket, TicketLine

PRODUCTS = 50_000
CACHE = Path(".bench/catalog-50k")
_BRANDS = ["Bimbo", "Lala", "Alpura", "Sabritas", "Gamesa", "Marinela", "Jumex", "Nestlé",
           "Herdez", "La Costeña", "Knorr", "Maseca", "Zote", "Fabuloso", "Colgate", "Barcel"]
_THINGS = ["Leche", "Pan", "Galletas", "Jugo", "Café", "Frijoles", "Chiles", "Atún", "Sopa",
           "Jabón", "Detergente", "Papas", "Cacahuates", "Yogur", "Crema", "Queso", "Salsa",
           "Harina", "Aceite", "Refresco", "Agua", "Cereal", "Chocolate", "Gelatina"]
_KINDS = ["Entera", "Light", "Natural", "Picante", "Clásico", "Integral", "Fresa", "Vainilla",
          "Limón", "Original", "Deslactosada", "Familiar", "Chica", "Grande"]


def _catalog() -> list[StarterProduct]:
    rng = random.Random(7)
    out = []
    for i in range(PRODUCTS):
        name = (f"{rng.choice(_THINGS)} {rng.choice(_BRANDS)} {rng.choice(_KINDS)} "
                f"{rng.choice([100, 250, 500, 600, 900, 1000])} g #{i}")
        out.append(StarterProduct(f"75{i:011d}", name, "Abarrotes", 1000 + i % 9000, 700,
                                  IvaRate.GENERAL, 0, False, 0, 50_000))
    return out


def _store() -> Path:
    """A POS data folder whose store holds the 50,000 products (built once, then reused)."""
    path = CACHE / "pos.sqlite3"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        db = Database(path)
        load_starter(Till(db, load_device(db)), _catalog())
        db.close()
    return CACHE


def _p99(samples: list[float]) -> float:
    return round(sorted(samples)[int(len(samples) * 0.99) - 1], 3)


@benchmark("checkout.scan_and_search")
def scan_and_search() -> dict[str, float]:
    from pos_client.ui.models import TicketModel
    from pos_client.ui.qt import QCoreApplication

    QCoreApplication.instance() or QCoreApplication([])
    db = Database(_store() / "pos.sqlite3")
    rng = random.Random(11)
    ticket = Ticket()
    model = TicketModel(ticket)
    scans = []
    for _ in range(1000):
        code = f"75{rng.randrange(PRODUCTS):011d}"
        start = time.perf_counter()
        with db.read() as conn:
            p = catalog.by_barcode(conn, code)
        assert p is not None
        ticket.add(TicketLine(p.id, p.name, p.price, 1000, p.iva, p.ieps_bp, p.sold_by_weight))
        model.refresh()
        scans.append((time.perf_counter() - start) * 1000)
        if len(ticket.lines) > 40:
            ticket.clear()
    keystrokes = []
    names = [f"{rng.choice(_THINGS)} {rng.choice(_BRANDS)}" for _ in range(40)]
    for name in names + ["7500000", "75000012"]:
        for i in range(1, len(name) + 1):
            start = time.perf_counter()
            with db.read() as conn:
                catalog.search(conn, name[:i])
            keystrokes.append((time.perf_counter() - start) * 1000)
    db.close()
    return {"checkout.scan_to_line_p99_ms": _p99(scans),
            "checkout.search_p99_ms": _p99(keystrokes)}


@benchmark("checkout.sale_commit")
def sale_commit_ratio() -> dict[str, float]:
    """record_sale (domain rows + outbox, synchronous=FULL) ÷ bare sqlite3 inserts of the same
    rows with the same PRAGMAs, in the same file, medians of 300 each."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "pos.sqlite3")
        device = load_device(db)
        till = Till(db, device)
        load_starter(till, _catalog()[:50])
        with db.read() as conn:
            products = catalog.search(conn, limit=5)
        ticket = Ticket()
        for p in products:
            ticket.add(TicketLine(p.id, p.name, p.price, 1000, p.iva, p.ieps_bp, cost=p.cost))
        tender = [Tender(PaymentMethod.CASH, ticket.total)]
        # As at the counter: a logged-in cashier on an open shift (the sale checks it is open).
        owner = staff_admin.create_first_owner(till, "Doña Mary", "1234")
        cashier = staff_admin.save_cashier(till, None, "Pepe", Role.CASHIER, "0000", True, owner)
        context = SaleContext(cashier_id=cashier,
                              shift_id=cortes.open_shift(till, 50_000, cashier))
        full = []
        for _ in range(300):
            start = time.perf_counter()
            record_sale(till, ticket, tender, context)
            full.append(time.perf_counter() - start)
        db.close()
        raw = sqlite3.connect(Path(tmp) / "pos.sqlite3", isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
            raw.execute(f"PRAGMA {pragma}")
        bare = []
        for n in range(300):
            sale_id, now = str(uuid.uuid4()), "2026-11-27T18:00:00+00:00"
            start = time.perf_counter()
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("UPDATE meta SET value = ? WHERE key = 'folio_last'", (str(n),))
            raw.execute("INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (sale_id, f"X-{n}", None, now, ticket.total, 0, None, str(cashier),
                         str(context.shift_id)))
            raw.executemany("INSERT INTO sale_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                (sale_id, i, str(ln.product_id), ln.name, ln.qty_milli, ln.unit_price, ln.total,
                 ln.iva.value, 0, 0, ln.cost) for i, ln in enumerate(ticket.lines, start=1)])
            raw.execute("INSERT INTO sale_payments VALUES (?, 1, 'efectivo', ?, ?, NULL)",
                        (sale_id, ticket.total, ticket.total))
            raw.execute("INSERT INTO outbox (change_id, entity, op, hlc, body, created_at) "
                        "VALUES (?, 'sale', 'insert', 0, ?, ?)", (str(uuid.uuid4()), "{}" * 600, now))
            raw.execute("COMMIT")
            bare.append(time.perf_counter() - start)
        raw.close()
    return {"checkout.sale_commit_ratio": round(statistics.median(full) / statistics.median(bare), 3)}


@benchmark("client.cold_start")
def cold_start() -> dict[str, float]:
    """From process start to the window ready to scan, with 50,000 products; memory then."""
    folder = _store()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    times, rss = [], []
    for _ in range(3):
        start = time.perf_counter()
        child = subprocess.run([sys.executable, "-m", "pos_client", "--data-dir", str(folder),
                                "--exit-when-ready"], env=env, capture_output=True, text=True,
                               timeout=120, check=True)
        line = next(x for x in child.stdout.splitlines() if x.startswith("LISTO"))
        times.append(time.perf_counter() - start)
        rss.append(float(line.split()[1]))
    return {"client.cold_start_s": round(statistics.median(times), 2),
            "client.rss_mb": round(max(rss), 1)}
