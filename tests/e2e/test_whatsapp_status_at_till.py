"""Where a WhatsApp statement stands reaches the till that asked for it: a real till store, the
real server and the local Graph fake. The server's message_status records (queued, sent,
delivered, read, failed with the reason in Spanish, not_configured) arrive with the till's sync
and the customer's page says them; Meta's statuses out of order never move a message back."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from pos_client.services import accounts, messages
from pos_client.store.schema import customers, message_statuses
from pos_client.ui.backroom.customers_page import CustomersPage
from pos_client.ui.context import AppContext
from pos_client.ui.worker import Worker
from shared.ids import SERVER_WRITER
from tests.support.server import ServerHarness
from tests.support.wait import wait_until
from tests.support.whatsapp import fixture, given_contact_wrote, post, settings_for, status, wait_handled

pytestmark = pytest.mark.e2e

PHONE = "+525512345678"


@pytest.fixture
def server(database_url, graph, request):
    """param: settings to change (a server without WhatsApp)."""
    harness = ServerHarness(database_url, **settings_for(graph, **getattr(request, "param", {})))
    harness.start()
    yield harness
    harness.stop()


@pytest.fixture
def pos(server, shop, paired_device):
    given_contact_wrote(server, shop.tenant_id, PHONE)  # she wrote to the shop: she may be sent
    till = paired_device("caja-1")
    accounts.save_customer(till.till, accounts.CustomerDraft(
        "Guadalupe Hernández", "55 1234 5678", "500"))
    till.agent.sync_once()
    return till


@pytest.fixture
def customer(pos) -> uuid.UUID:
    with pos.db.read() as conn:
        return uuid.UUID(conn.execute(customers.select()).first().id)


@pytest.fixture
def page(qtbot, pos):
    context = AppContext(pos.till, Worker())
    shown = CustomersPage(context)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitUntil(lambda: shown.model.rowCount() == 1)
    shown.table.selectRow(0)
    shown.open_statement()
    yield shown
    context.worker.shutdown()
    context.print_worker.shutdown()


def _server_message(server: ServerHarness, request_id: uuid.UUID) -> dict[str, Any]:
    rows = server.admin("SELECT * FROM outbound_messages WHERE request_id = $1", request_id)
    return dict(rows[0]) if rows else {}


def _wait_server(server: ServerHarness, request_id: uuid.UUID, reported: str) -> dict[str, Any]:
    """Until the server has told the tills ``reported`` about the message."""
    wait_until(lambda: _server_message(server, request_id).get("reported_status") == reported,
               timeout=15, what=f"the server reporting {reported}")
    return _server_message(server, request_id)


def _feed_states(server: ServerHarness, request_id: uuid.UUID) -> list[tuple[str, Any, int]]:
    """The message's records in the shop's feed, in feed order: (state, writer, device_seq)."""
    rows = server.admin(
        """SELECT body->'payload'->>'status' AS state, origin_device_id, device_seq
           FROM changes WHERE entity = 'message_status'
             AND body->'payload'->>'id' = $1 ORDER BY seq""", str(request_id))
    return [(r["state"], r["origin_device_id"], r["device_seq"]) for r in rows]


def _till_state(pos, request_id: uuid.UUID) -> tuple[str, str | None, str] | None:
    with pos.db.read() as conn:
        row = conn.execute(message_statuses.select().where(
            message_statuses.c.id == str(request_id))).first()
    return (row.status, row.reason, row.hlc_device) if row else None


def _line(qtbot, page: CustomersPage, text: str) -> str:
    page.last_message.refresh()
    qtbot.waitUntil(lambda: text in page.last_message.text(), timeout=10_000)
    return page.last_message.text()


def test_statement_status_reaches_the_till_and_statuses_out_of_order_never_go_back(
        qtbot, server, shop, pos, customer, page, graph):
    request = messages.request_statement(pos.till, customer, "Hola, su saldo es $1.00.")
    assert "En cola en esta caja" in _line(qtbot, page, "Estado de cuenta")

    pos.agent.sync_once()  # the request goes up; the sender sends it at once (the push's NOTIFY)
    sent = _wait_server(server, request.id, "sent")
    wamid = sent["provider_id"]
    pos.agent.sync_once()
    assert _till_state(pos, request.id) == ("sent", None, str(SERVER_WRITER))
    assert _line(qtbot, page, "Enviado").startswith("Último mensaje (Estado de cuenta, ")

    # Meta's webhooks come in any order: read first, then a late delivered and sent, then a
    # failed that comes after the message was read (it was not lost).
    for state in ("read", "delivered", "sent"):
        assert post(server, status(wamid, state)).status_code == 200
    post(server, fixture("status_failed", WAMID=wamid))
    wait_handled(server)
    assert _server_message(server, request.id)["reported_status"] == "read"
    pos.agent.sync_once()
    assert _till_state(pos, request.id) == ("read", None, str(SERVER_WRITER))
    assert "Leído" in _line(qtbot, page, "Leído")
    # Every state once, each filed under the server (nil writer, device_seq 0): the one
    # "delivered" after "read" made no record at all.
    assert _feed_states(server, request.id) == [
        ("queued", None, 0), ("sent", None, 0), ("read", None, 0)]

    # A failure after "sent" is real: Meta could not deliver it (24 hours without a reply).
    second = messages.request_statement(pos.till, customer, "Hola de nuevo: $2.00.")
    pos.agent.sync_once()
    wamid = _wait_server(server, second.id, "sent")["provider_id"]
    post(server, fixture("status_failed", WAMID=wamid))
    _wait_server(server, second.id, "failed")
    pos.agent.sync_once()
    state, reason, _writer = _till_state(pos, second.id) or ("", None, "")
    assert state == "failed"
    assert reason is not None
    assert reason.startswith("Pasaron más de 24 horas")
    assert "No se pudo enviar: Pasaron más de 24 horas" in _line(qtbot, page, "No se pudo enviar")


@pytest.mark.parametrize("server", [{"whatsapp_token": None}], indirect=True)
def test_a_server_without_whatsapp_says_so_at_the_till(qtbot, server, shop, pos, customer, page, graph):
    request = messages.request_statement(pos.till, customer, "Hola, su saldo es $1.00.")
    pos.agent.sync_once()
    _wait_server(server, request.id, "not_configured")
    pos.agent.sync_once()

    assert _till_state(pos, request.id) == ("not_configured", None, str(SERVER_WRITER))
    line = _line(qtbot, page, "Este servidor no tiene WhatsApp configurado")
    assert line.endswith("): Este servidor no tiene WhatsApp configurado")
    assert page.last_message.last is not None
    assert not page.last_message.last.ok
    assert graph.sent() == []
