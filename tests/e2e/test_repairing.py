"""Re-pairing after a revocation: a till that sold offline, had its device revoked and was
paired again with a new code (the `pair` command) sends every queued sale once, under its new
device, and the server reports no gap in its change numbers. Its open shift goes on: the
till sells on it and makes its corte."""

from __future__ import annotations

import logging

import pytest

from pos_client.__main__ import pair_store
from pos_client.services import cortes
from pos_client.services.sales import SaleContext, record_sale
from pos_client.store.repositories import outbox
from shared.sale import PaymentMethod, Tender
from sync_server.services import shops
from tests.support.client import open_device, pair
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e

GAP_WORDS = ("device_seq gap", "missing changes")


def _sell(pos, barcode, shift):
    ticket = ticket_for(pos.db, barcode, 1)
    return record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)],
                       SaleContext(shift_id=shift)).sale_id


def test_a_revoked_till_re_paired_sends_its_offline_sales_once_without_a_gap(
    server, shop, small_catalog, tmp_path, caplog
):
    caplog.set_level(logging.INFO)
    barcode = small_catalog[0].barcode
    data_dir = tmp_path / "caja"
    data_dir.mkdir()
    pos = open_device(data_dir / "pos.sqlite3")
    first_code = server.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
    pair(pos, server.url, first_code.code, "Caja 1")
    pos.agent.sync_once()
    shift = cortes.open_shift(pos.till, 50_000)
    synced = [_sell(pos, barcode, shift) for _ in range(2)]
    assert pos.agent.sync_once().pending == 0
    offline = [_sell(pos, barcode, shift) for _ in range(3)]  # the internet is down…
    old_device = pos.device.device_id
    server.call(lambda pool: shops.revoke_device(pool, shop.tenant_id, old_device))
    status = pos.agent.sync_once()  # …and when it is back, the device was revoked
    assert status.pending >= 3
    assert "sync refused" in caplog.text  # the till's and the server's logs are heard here
    pos.close()

    second_code = server.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
    pair_store(data_dir, server.url, second_code.code, "Caja 1")
    pos = open_device(data_dir / "pos.sqlite3")
    try:
        assert pos.device.device_id != old_device
        caplog.clear()
        assert pos.agent.sync_once().pending == 0
        current = cortes.current_shift(pos.till)
        assert current is not None
        assert current.id == shift
        offline.append(_sell(pos, barcode, shift))  # the same drawer goes on selling
        closed = cortes.close_with_corte(pos.till, shift, {PaymentMethod.CASH: 0}, None, None)
        assert closed.sales_count == 6
        assert pos.agent.sync_once().pending == 0
        with pos.db.read() as conn:
            last_seq = outbox.next_seq(conn) - 1
    finally:
        pos.close()

    assert not [r.getMessage() for r in caplog.records
                if any(w in r.getMessage() for w in GAP_WORDS)]
    on_server = server.admin("SELECT sale_id, device_id FROM sales")
    assert sorted(r["sale_id"] for r in on_server) == sorted(synced + offline)  # once each
    assert {r["sale_id"] for r in on_server if r["device_id"] != old_device} == set(offline)
    (new_row,) = server.admin("SELECT last_device_seq FROM devices WHERE revoked_at IS NULL")
    assert new_row["last_device_seq"] == last_seq  # the series went on where the store was
    assert [r["shift_id"] for r in server.admin("SELECT shift_id FROM shift_closes")] == [shift]
