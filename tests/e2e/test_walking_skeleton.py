"""The core loop over real HTTP: a sale made offline on one device reaches another device."""

from __future__ import annotations

import pytest

from pos_client.services.sales import record_sale
from pos_client.store.repositories import catalog, facts, outbox
from pos_client.sync.client import SyncClient
from pos_client.ui.worker import Worker
from shared.sale import PaymentMethod, Tender
from tests.support.sales import ticket_for
from tests.support.till import counter_window

pytestmark = pytest.mark.e2e


def test_sale_made_while_server_down_reaches_the_other_device(
    qtbot, server, shop, paired_device, small_catalog
):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    assert a.agent.sync_once().online
    assert b.agent.sync_once().online
    coke = small_catalog[0]
    with b.db.read() as conn:
        stock_before = catalog.by_barcode(conn, coke.barcode).stock_milli
    assert stock_before == coke.initial_stock_milli

    server.stop()  # the internet goes down
    receipt = record_sale(a.till, ticket_for(a.db, coke.barcode, 3),
                          [Tender(PaymentMethod.CASH, 10_000)])
    assert a.agent.sync_once().online is False
    with a.db.read() as conn:
        assert outbox.counts(conn).pending == 1

    server.start()  # back up, same address
    assert a.agent.sync_once().pending == 0
    b.agent.sync_once()
    with b.db.read() as conn:
        sales = facts.recent_sales(conn, b.device.device_id)
        stock_after = catalog.by_barcode(conn, coke.barcode).stock_milli
    assert [(s.folio, s.total, s.local) for s in sales] == [(receipt.folio, 3 * coke.price, False)]
    assert stock_after == stock_before - 3000
    assert server.admin("SELECT count(*) AS n FROM sales")[0]["n"] == 1

    # …and the cashier at B sees it: in the sales list, and in the product's stock.
    worker = Worker()
    window = counter_window(b.db, b.device, worker, None)
    qtbot.addWidget(window)
    try:
        window.show_sales()
        model = window.sales_dialog.model
        qtbot.waitUntil(lambda: model.rowCount() == 1)
        shown = [model.index(0, c).data() for c in range(5)]
        assert shown[0] == receipt.folio
        assert shown[2] == f"${3 * coke.price / 100:,.2f}"
        qtbot.keyClicks(window.scan_input, coke.barcode)  # typed, not yet Enter: a search
        qtbot.waitUntil(lambda: worker.idle and window.products_model.rowCount() == 1)
        assert window.products_model.index(0, 3).data() == str((stock_before - 3000) // 1000)
    finally:
        window.close()
        worker.shutdown()


def test_pushing_the_same_batch_twice_changes_nothing(server, shop, paired_device, small_catalog):
    a = paired_device("caja-1")
    a.agent.sync_once()
    for pieces in (1, 2):
        record_sale(a.till, ticket_for(a.db, small_catalog[1].barcode, pieces),
                    [Tender(PaymentMethod.CASH, 50_000)])
    with a.db.read() as conn:
        bodies = [p.body for p in outbox.pending(conn, 500)]
    client = SyncClient(server.url, a.device.credential)
    try:
        first = client.push(bodies)
        snapshot = _counts(server)
        second = client.push(bodies)
    finally:
        client.close()
    assert [r.status for r in first.results] == ["accepted", "accepted"]
    assert [r.status for r in second.results] == ["duplicate", "duplicate"]
    assert _counts(server) == snapshot
    assert snapshot["sales"] == 2


def _counts(server) -> dict[str, int]:
    row = server.admin(
        """SELECT (SELECT count(*) FROM sales) AS sales, (SELECT count(*) FROM sale_lines) AS lines,
                  (SELECT count(*) FROM changes) AS changes,
                  (SELECT sum(feed_seq) FROM tenants) AS head"""
    )[0]
    return dict(row)


def test_a_new_device_first_sync_shows_progress(qtbot, server, shop, paired_device):
    pos = paired_device("caja-nueva")
    pos.agent.page_size = 5  # the small test shop then takes several pages
    worker = Worker()
    window = counter_window(pos.db, pos.device, worker, pos.agent)
    qtbot.addWidget(window)
    seen: list[int] = []
    window.progress.valueChanged.connect(seen.append)
    try:
        window.show()
        pos.agent.sync_once()  # from this thread: progress reaches the window through a signal
        qtbot.waitUntil(lambda: seen and seen[-1] == 100)
        assert len(seen) >= 3
        assert seen == sorted(seen)
        assert not window.progress.isVisible()
        qtbot.waitUntil(lambda: worker.idle and window.products_model.rowCount() > 0)
    finally:
        window.close()
        worker.shutdown()
