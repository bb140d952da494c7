"""SIGKILL the client at points of a push and of a pull; after a restart nothing is lost or doubled."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from pos_client.services.sales import record_sale
from pos_client.store.repositories import catalog, outbox
from shared.sale import PaymentMethod, Tender
from tests.support.client import open_device
from tests.support.proxy import FaultyProxy
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SALES = 40

# (event seen by the proxy, request it concerns): where the kill lands.
POINTS = {
    "push sent, server not reached": ("request", "/v1/sync/push"),
    "push committed, answer not delivered": ("committed", "/v1/sync/push"),
    "push answer delivered, not yet recorded": ("answered", "/v1/sync/push"),
    "pull answer delivered, being applied": ("answered", "/v1/sync/pull"),
}


def _kill_child_at(proxy: FaultyProxy, event: str, path: str, rng: random.Random):
    holder: dict[str, subprocess.Popen] = {}
    killed = threading.Event()

    def on_event(seen: str, _method: str, seen_path: str) -> str | None:
        if seen == event and seen_path.startswith(path) and not killed.is_set():
            threading.Event().wait(rng.uniform(0, 0.01))  # land somewhere inside the next step
            holder["child"].send_signal(signal.SIGKILL)
            killed.set()
            return "drop" if event == "request" else None
        return None

    proxy.on_event = on_event
    return holder, killed


@pytest.mark.parametrize("point", list(POINTS))
@pytest.mark.parametrize("seed", [1, 2])
def test_killed_mid_sync_then_restarted_loses_and_doubles_nothing(
    server, shop, paired_device, small_catalog, point, seed
):
    seller, puller = paired_device("caja-1"), paired_device("caja-2")
    seller.agent.sync_once()
    puller.agent.sync_once()
    for i in range(SALES):
        ticket = ticket_for(seller.db, small_catalog[i % 5].barcode, 1 + i % 3)
        record_sale(seller.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    victim = puller if point.startswith("pull") else seller
    if victim is puller:
        assert seller.agent.sync_once().pending == 0
    path = victim.db.path
    victim.close()

    proxy = FaultyProxy(server.url, random.Random(seed), fault_rate=0).start()
    holder, killed = _kill_child_at(proxy, *POINTS[point], random.Random(seed))
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.sync_child", str(path), proxy.url],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    holder["child"] = child
    try:
        assert child.stdout.readline().strip() == "READY"
        assert killed.wait(60), "the kill point was never reached"
        child.wait(10)
        assert child.returncode == -signal.SIGKILL
    finally:
        child.kill()
        proxy.stop()

    restarted = open_device(path)
    try:
        restarted.agent.sync_once()
        restarted.agent.sync_once()
        with restarted.db.read() as conn:
            assert outbox.counts(conn).pending == 0
            local_sales = conn.execute(text("SELECT count(*) FROM sales")).scalar_one()
            stock = catalog.stock_levels(conn)
        assert server.admin("SELECT count(*) AS n FROM sales")[0]["n"] == SALES
        assert server.admin(
            "SELECT count(*) AS n FROM changes WHERE entity = 'sale'")[0]["n"] == SALES
        assert local_sales == SALES
        server_stock = {r["product_id"]: r["stock_milli"]
                        for r in server.admin("SELECT product_id, stock_milli FROM product_stock")}
        assert {k: v for k, v in stock.items() if v} == {k: v for k, v in server_stock.items() if v}
    finally:
        restarted.close()
