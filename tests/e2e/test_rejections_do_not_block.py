"""A change the server refuses is kept, visible, and never holds back the changes behind it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pos_client.services.sales import record_sale
from pos_client.store.repositories import outbox
from shared.sale import PaymentMethod, Tender
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


def test_a_corrupted_change_is_rejected_alone(server, shop, paired_device, small_catalog):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    receipts = [
        record_sale(pos.db, pos.device, ticket_for(pos.db, small_catalog[0].barcode, n),
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
