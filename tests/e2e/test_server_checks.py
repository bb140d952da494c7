"""Facts that cannot be true of the shop are rejected one by one, and the till takes their
effect back so its stock agrees with the server; the change itself stays listed."""

from __future__ import annotations

import json
import uuid

import pytest

from pos_client.services import accounts
from pos_client.services.returns import return_sale
from pos_client.services.sales import SaleContext, record_sale
from pos_client.services.till import Till
from pos_client.store.repositories import catalog, outbox
from pos_client.sync.client import SyncClient
from shared.clock import utc_now
from shared.hlc import HybridClock
from shared.ids import new_uuid7
from shared.sale import PaymentMethod, Tender
from shared.sync.envelopes import SaleReturnChange, StockAlertChange
from shared.sync.payloads import SaleReturnLinePayload, SaleReturnPayload, StockAlertPayload
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


def _server_stock(server, product_id):
    return server.admin("SELECT stock_milli FROM product_stock WHERE product_id = $1",
                        product_id)[0]["stock_milli"]


def test_the_same_unit_returned_on_two_offline_tills_is_refunded_once(
    server, shop, paired_device, small_catalog
):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    a.agent.sync_once()
    item = small_catalog[0]
    ticket = ticket_for(a.db, item.barcode, 1)
    sale = record_sale(a.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    a.agent.sync_once()
    b.agent.sync_once()
    for pos in (a, b):  # both offline: each believes the unit is still returnable
        return_sale(pos.till, sale.sale_id, "Caducado")
    a.agent.sync_once()
    status = b.agent.sync_once()
    assert (status.pending, status.rejected) == (0, 1)
    with b.db.read() as conn:
        (refused,) = outbox.rejected(conn)
        product = catalog.by_barcode(conn, item.barcode).id
        b_stock = catalog.stock_of(conn, product)
    assert refused.code == "over_return"
    assert refused.entity == "sale_return"
    a.agent.sync_once()
    with a.db.read() as conn:
        a_stock = catalog.stock_of(conn, product)
    assert a_stock == b_stock == _server_stock(server, product) == item.initial_stock_milli
    assert server.admin("SELECT count(*) AS n FROM sale_returns")[0]["n"] == 1


def test_a_fiado_sale_returned_on_two_offline_tills_is_credited_once(
    server, shop, paired_device, small_catalog
):
    """The account credit is part of the return: the refused return takes it back out."""
    a, b = paired_device("caja-1"), paired_device("caja-2")
    a.agent.sync_once()
    maria = accounts.save_customer(Till(a.db, a.device), accounts.CustomerDraft(
        "María", credit_limit="1000")).id
    ticket = ticket_for(a.db, small_catalog[0].barcode, 2)
    sale = record_sale(a.till, ticket, [Tender(PaymentMethod.FIADO, ticket.total)],
                       SaleContext(customer_id=maria))
    a.agent.sync_once()
    b.agent.sync_once()
    for pos in (a, b):  # both offline: each cancels the whole fiado sale
        return_sale(pos.till, sale.sale_id, "No la quiso")
        assert accounts.account(Till(pos.db, pos.device), maria).balance == 0
    a.agent.sync_once()
    assert b.agent.sync_once().rejected == 1
    a.agent.sync_once()
    for pos in (a, b):
        till = Till(pos.db, pos.device)
        assert accounts.account(till, maria).balance == 0  # owed the sale, credited it once
        assert accounts.statement(till, maria).closing_balance == 0
    owed = server.admin("SELECT balance FROM customer_balances WHERE customer_id = $1", maria)
    assert owed[0]["balance"] == 0
    assert server.admin("SELECT count(*) AS n FROM sale_returns")[0]["n"] == 1


def test_forged_returns_alerts_and_folios_are_rejected(server, shop, paired_device, small_catalog):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    item = small_catalog[0]
    ticket = ticket_for(pos.db, item.barcode, 1)
    sale = record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    pos.agent.sync_once()
    with pos.db.read() as conn:
        product = catalog.by_barcode(conn, item.barcode).id
        assert outbox.pending(conn, 10) == []  # the real sale has gone up
    before = _server_stock(server, product)
    clock, now = HybridClock(), utc_now()

    def envelope(seq):
        return {"change_id": new_uuid7(), "device_seq": seq, "hlc": clock.now(), "created_at": now}

    def back(sale_id, line_no, product_id, qty, credit=0):
        return SaleReturnChange(entity="sale_return", **envelope(100 + qty), payload=SaleReturnPayload(
            id=new_uuid7(), sale_id=sale_id, amount=credit,
            refund_method=PaymentMethod.FIADO if credit else PaymentMethod.CASH,
            refund_to_account=credit, reason="x", returned_at=now, lines=[SaleReturnLinePayload(
                line_no=line_no, product_id=product_id, qty_milli=qty, amount=credit)]))

    forged = [
        back(uuid.uuid4(), 1, product, 999_000),  # a sale the shop never had
        back(sale.sale_id, 1, uuid.uuid4(), 1000),  # another product than the line's
        back(sale.sale_id, 7, product, 1000),  # a line the sale doesn't have
        back(sale.sale_id, 1, product, 1000, credit=100),  # credit on a sale paid in cash
        StockAlertChange(entity="stock_alert", **envelope(200), payload=StockAlertPayload(
            id=uuid.uuid4(), product_id=product, stock_milli=-1, open=True, changed_at=now)),
    ]
    client = SyncClient(server.url, pos.device.credential)
    try:
        answer = client.push([c.model_dump_json() for c in forged])
    finally:
        client.close()
    assert [(r.status, r.code) for r in answer.results] == [
        ("rejected", "unknown_sale"), ("rejected", "return_line_mismatch"),
        ("rejected", "return_line_mismatch"), ("rejected", "over_credit"),
        ("rejected", "server_only")]
    assert _server_stock(server, product) == before
    assert server.admin("SELECT count(*) AS n FROM sale_returns")[0]["n"] == 0


def test_a_folio_belongs_to_one_sale(server, shop, paired_device, small_catalog):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    ticket = ticket_for(pos.db, small_catalog[0].barcode, 1)
    record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    with pos.db.read() as conn:
        (first,) = outbox.pending(conn, 10)
    twin = json.loads(first.body)
    twin["change_id"], twin["device_seq"] = str(uuid.uuid4()), 99
    twin["payload"]["id"] = str(uuid.uuid4())  # another sale, same folio
    client = SyncClient(server.url, pos.device.credential)
    try:
        answer = client.push([first.body, json.dumps(twin)])
    finally:
        client.close()
    assert [(r.status, r.code) for r in answer.results] == [
        ("accepted", None), ("rejected", "folio_taken")]
    assert server.admin("SELECT count(*) AS n FROM sales")[0]["n"] == 1
