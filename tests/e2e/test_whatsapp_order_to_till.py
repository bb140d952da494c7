"""End to end on loopback: a customer orders over WhatsApp; the order is on a paired till within
2 s (change notices, not the 30-second poll); the cashier accepts it and charges it through the
ticket; the customer gets one message per status at the fake Graph API; the server's stock and
the till's agree. Two tills accepting the same order offline give one status and one message."""

from __future__ import annotations

import time
import uuid

import pytest

from pos_client.services import orders
from pos_client.services.sales import record_sale
from pos_client.store.repositories import catalog
from shared.sale import PaymentMethod, Tender
from tests.support.server import ServerHarness
from tests.support.wait import wait_until
from tests.support.whatsapp import (
    SHOP_NUMBER_ID,
    message,
    post,
    settings_for,
    shop_owns_number,
    texts_to,
    wait_handled,
)

pytestmark = pytest.mark.e2e
CUSTOMER = "5215512345678"
TO = "525512345678"
COCA_600 = "Coca-Cola 600 ml"


@pytest.fixture
def server(database_url, graph):
    harness = ServerHarness(database_url, **settings_for(graph, notice_heartbeat_s=1.0)).start()
    yield harness
    harness.stop()


def _customer_orders(server, graph) -> float:
    """Order two Cokes over WhatsApp and confirm with the button; when the order was placed."""
    post(server, message("quiero 2 cocas de 600 porfa", wa_id=CUSTOMER, number=SHOP_NUMBER_ID))
    wait_handled(server)
    wait_until(lambda: any("¿Lo confirmo?" in t for t in texts_to(graph, TO)), timeout=15,
               what="the cart with its buttons")
    post(server, message(wa_id=CUSTOMER, number=SHOP_NUMBER_ID,
                         interactive=("order:pickup", "Paso a recoger")))
    wait_until(lambda: server.admin("SELECT count(*) AS n FROM orders")[0]["n"] == 1, timeout=15,
               what="the order placed")
    return time.monotonic()


def _stock(server, till, name: str) -> tuple[int, int]:
    [row] = server.admin(
        """SELECT s.stock_milli, p.product_id FROM product_stock s JOIN products p
           USING (tenant_id, product_id) WHERE p.name = $1""", name)
    with till.db.read() as conn:
        local = catalog.stock_of(conn, row["product_id"])
    return row["stock_milli"], local


def _on_till(till) -> list[orders.OrderView]:
    return orders.open_orders(till.till)


def test_a_whatsapp_order_rings_at_the_till_and_is_charged_through_the_ticket(
        server, shop, paired_device, graph):
    shop_owns_number(server, shop.tenant_id)
    till = paired_device("caja-1")
    till.agent.sync_once()
    server_before, till_before = _stock(server, till, COCA_600)
    assert server_before == till_before
    till.agent.start()  # polls every 30 s: only the change notice can bring the order sooner
    wait_until(lambda: till.agent.notices and till.agent.notices.connected.is_set(), timeout=10,
               what="the till listening")

    placed = _customer_orders(server, graph)
    wait_until(lambda: _on_till(till), timeout=2.0, what="the order on the till within 2 s")
    assert time.monotonic() - placed < 2.0
    [view] = _on_till(till)
    assert (view.order.number, view.status, view.order.total) == (1, "recibido", 2 * 2200)
    assert [(ln.name, ln.qty_milli) for ln in view.order.lines] == [(COCA_600, 2000)]

    t = till.till
    orders.move(t, view.order.id, "aceptado")
    ticket = orders.ticket_for(t, view.order.id)
    record_sale(t, ticket, [Tender(PaymentMethod.CASH, 5000)])
    orders.move(t, view.order.id, "listo")
    orders.move(t, view.order.id, "entregado")
    till.agent.request_sync()

    wait_until(lambda: len([x for x in texts_to(graph, TO) if "pedido #1" in x]) >= 3,
               timeout=15, what="the customer's status messages")
    updates = [x for x in texts_to(graph, TO) if "pedido #1" in x]
    assert len(updates) == 3  # one per status: accepted, ready, delivered
    assert "aceptó tu pedido #1" in updates[0]
    assert "listo para recoger" in updates[1]
    assert "entregado" in updates[2]
    wait_until(lambda: _stock(server, till, COCA_600)[0] == server_before - 2000, timeout=10,
               what="the sale's stock on the server")
    assert _stock(server, till, COCA_600) == (server_before - 2000, till_before - 2000)
    assert _on_till(till) == []


def test_two_tills_accepting_offline_settle_to_one_status_and_one_message(
        server, shop, paired_device, graph):
    shop_owns_number(server, shop.tenant_id)
    a, b = paired_device("caja-1"), paired_device("caja-2")
    _customer_orders(server, graph)
    for till in (a, b):
        till.agent.sync_once()
    [view] = _on_till(a)
    server.stop()  # both tills offline
    for till in (a, b):
        orders.move(till.till, view.order.id, "aceptado")
        assert till.agent.sync_once().online is False
    server.start()
    for till in (a, b, a):
        till.agent.sync_once()
    wait_until(lambda: any("aceptó" in x for x in texts_to(graph, TO)), timeout=15,
               what="the acceptance message")
    assert server.call(lambda _pool: server.app.state.sender.run_once()) == 0
    assert len([x for x in texts_to(graph, TO) if "aceptó" in x]) == 1
    statuses = server.admin("SELECT status FROM order_statuses")
    assert [r["status"] for r in statuses] == ["aceptado"]
    assert {_on_till(t)[0].status for t in (a, b)} == {"aceptado"}
    assert uuid.UUID(str(view.order.id))
