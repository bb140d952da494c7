"""A device restored from an older backup continues its folio series and gets back its sales."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from pos_client.services.sales import record_sale
from pos_client.store.repositories import outbox
from shared.sale import PaymentMethod, Tender
from tests.support.client import open_device
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


def _sell(pos, barcode: str) -> str:
    ticket = ticket_for(pos.db, barcode)
    return record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)]).folio


def test_restored_device_never_reuses_a_folio(server, shop, paired_device, small_catalog, tmp_path):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    code = small_catalog[0].barcode
    early = [_sell(pos, code) for _ in range(2)]
    pos.agent.sync_once()
    path = pos.db.path
    pos.close()
    backup = tmp_path / "respaldo.sqlite3"
    shutil.copy(path, backup)  # closed cleanly: the file is the whole store

    pos = open_device(path)
    late = [_sell(pos, code) for _ in range(3)]
    assert pos.agent.sync_once().pending == 0
    pos.close()

    shutil.copy(backup, path)  # the disk died; the owner restores last week's backup
    for suffix in ("-wal", "-shm"):
        (path.parent / (path.name + suffix)).unlink(missing_ok=True)
    restored = open_device(path)
    try:
        assert restored.agent.sync_once().online
        with restored.db.read() as conn:
            folios = set(conn.execute(text("SELECT folio FROM sales")).scalars())
        assert folios == set(early + late)  # its own lost sales came back
        after = _sell(restored, code)
        assert after == "C1-000006"
        assert restored.agent.sync_once().pending == 0
        with restored.db.read() as conn:
            assert outbox.next_seq(conn) > 6
        rows = server.admin("SELECT folio, count(*) AS n FROM sales GROUP BY folio")
        assert {r["folio"]: r["n"] for r in rows} == {f: 1 for f in [*early, *late, after]}
        assert server.admin("SELECT count(*) AS n FROM changes WHERE device_seq BETWEEN 1 AND 10"
                            " GROUP BY device_seq HAVING count(*) > 1") == []
    finally:
        restored.close()
