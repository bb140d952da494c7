"""A change the server refuses is kept, visible, and never holds back the changes behind it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pos_client.services.sales import record_sale
from pos_client.store.repositories import outbox
from pos_client.ui.qt import Qt
from pos_client.ui.worker import Worker
from shared.sale import PaymentMethod, Tender
from tests.support.client import pair
from tests.support.qt import show_active
from tests.support.sales import ticket_for
from tests.support.till import counter_window

pytestmark = pytest.mark.e2e


def test_a_corrupted_change_is_rejected_alone(server, shop, paired_device, small_catalog):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    receipts = [
        record_sale(pos.till, ticket_for(pos.db, small_catalog[0].barcode, n),
                    [Tender(PaymentMethod.CASH, 100_000)])
        for n in (1, 2, 3)
    ]
    with pos.db.write() as conn:  # damage the middle one, as a disk or an old bug might
        conn.execute(text("UPDATE outbox SET body = replace(body, '\"total\":', '\"total\":\"x') "
                          "WHERE body LIKE :folio"), {"folio": f"%{receipts[1].folio}%"})
    status = pos.agent.sync_once()
    assert (status.pending, status.rejected) == (0, 1)
    with pos.db.read() as conn:
        rejected = conn.execute(text(
            "SELECT error_code, error_message FROM outbox WHERE status = 'rejected'")).one()
        assert outbox.counts(conn).rejected == 1
    assert rejected.error_code in ("invalid_json", "invalid_payload")
    assert rejected.error_message
    folios = {r["folio"] for r in server.admin("SELECT folio FROM sales")}
    assert folios == {receipts[0].folio, receipts[2].folio}


def test_the_owner_sees_the_rejected_change_and_why(qtbot, server, shop, paired_device, small_catalog):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    receipt = record_sale(pos.till, ticket_for(pos.db, small_catalog[0].barcode, 1),
                          [Tender(PaymentMethod.CASH, 100_000)])
    with pos.db.write() as conn:
        conn.execute(text("UPDATE outbox SET body = replace(body, '\"total\":', '\"total\":\"x') "
                          "WHERE body LIKE :folio"), {"folio": f"%{receipt.folio}%"})
    pos.agent.sync_once()
    worker = Worker()
    window = counter_window(pos.db, pos.device, worker, pos.agent)
    qtbot.addWidget(window)
    try:
        show_active(qtbot, window)
        qtbot.keyClick(window, Qt.Key.Key_F8)
        # The list is built when there is something to show (F8 with none says so instead).
        qtbot.waitUntil(lambda: getattr(window, "rejected_model", None) is not None
                        and window.rejected_model.rowCount() == 1)
        shown = [window.rejected_model.index(0, c).data() for c in range(4)]
        assert shown[1] == "Venta"
        assert "formato incorrecto" in shown[3] or "JSON" in shown[3]
        qtbot.waitUntil(lambda: "requieren atención: 1" in window.sync_label.text())
    finally:
        window.close()
        worker.shutdown()


def test_a_paired_till_gives_a_code_that_pairs_another(qtbot, server, shop, paired_device, new_device):
    pos = paired_device("caja-1")
    worker = Worker()
    window = counter_window(pos.db, pos.device, worker, pos.agent)
    qtbot.addWidget(window)
    try:
        show_active(qtbot, window)
        qtbot.keyClick(window, Qt.Key.Key_F9)
        qtbot.waitUntil(lambda: getattr(window, "pairing_dialog", None) is not None)
        shown = window.pairing_dialog.code_label.text()
    finally:
        window.close()
        worker.shutdown()
    other = new_device("caja-2")
    pair(other, server.url, shown.replace("-", ""), "caja-2")
    assert other.device.code == "C2"
    assert other.agent.sync_once().online
