"""A client killed after committing a sale and before pushing it loses nothing and doubles nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from pos_client.store.repositories import outbox
from tests.support.client import open_device

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def test_sigkill_after_commit_before_push_pushes_the_sale_once(
    server, shop, paired_device, small_catalog
):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    db_path = pos.db.path
    pos.close()

    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.crash_child", str(db_path),
         small_catalog[0].barcode],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    line = child.stdout.readline().split()
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert child.returncode == -signal.SIGKILL
    assert line[0] == "COMMITTED"
    sale_id, folio = uuid.UUID(line[1]), line[2]

    restarted = open_device(db_path)  # the cashier opens the POS again
    try:
        with restarted.db.read() as conn:
            assert outbox.counts(conn).pending == 1
        assert restarted.agent.sync_once().pending == 0
        assert restarted.agent.sync_once().pending == 0  # and again: nothing new to send
        rows = server.admin("SELECT sale_id, folio FROM sales")
        assert [(r["sale_id"], r["folio"]) for r in rows] == [(sale_id, folio)]
        assert server.admin("SELECT count(*) AS n FROM changes WHERE entity = 'sale'")[0]["n"] == 1
    finally:
        restarted.close()
