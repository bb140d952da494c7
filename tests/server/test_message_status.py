"""The server's message_status records: what state a message to a customer is said to be in,
why it failed in Spanish, made once per state, each stamped after the last, and never from a
till."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from pos_client.services import accounts, messages
from pos_client.sync.client import SyncClient
from shared.clock import utc_now
from shared.hlc import HybridClock
from shared.ids import new_uuid7
from shared.sync.envelopes import MessageRequestChange, MessageStatusChange
from shared.sync.message_status import MessageStatusPayload, state_text
from sync_server.db import tenant_tx
from sync_server.integrations.graph_errors import NO_CONNECTION, owner_reason, reason_for
from sync_server.repositories import outbound
from sync_server.repositories.message_statuses import Reportable
from sync_server.services.server_changes import report_message_states
from sync_server.services.whatsapp import NO_CONSENT
from sync_server.sync import message_statuses
from sync_server.sync.apply import apply_changes
from tests.support.fakes.graph import graph_error
from tests.support.server import ServerHarness
from tests.support.wait import wait_until
from tests.support.whatsapp import given_contact_wrote, settings_for

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _stored(status: str, code: int | None = None, error: str | None = None) -> Reportable:
    return Reportable(new_uuid7(), new_uuid7(), "statement", status, code, error, NOW,
                      None, None, None)


# ---- what the tills are told ------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(("status", "state"), [
    ("pending", "queued"), ("sending", "queued"), ("sent", "sent"), ("delivered", "delivered"),
    ("read", "read"), ("not_configured", "not_configured"), ("failed", "failed"),
    ("no_consent", "failed"), ("capped", "failed")])
def test_every_stored_state_has_a_state_for_the_tills(status, state):
    assert message_statuses.shown(_stored(status, error="x"))[0] == state


@pytest.mark.unit
def test_a_failure_says_why_in_spanish_from_graphs_code_or_the_servers_own_reason():
    assert message_statuses.shown(_stored("failed", 131047, "HTTP 400 code 131047: Re-engagement")) == (
        "failed", "Pasaron más de 24 horas desde el último mensaje del cliente: solo se puede "
                  "escribirle con una plantilla aprobada.")
    assert message_statuses.shown(_stored("no_consent", None, NO_CONSENT)) == ("failed", NO_CONSENT)
    assert owner_reason(999999, "HTTP 400 code 999999: Something new") == (
        "WhatsApp no entregó el mensaje (código 999999).")  # never Meta's English
    assert owner_reason(None, "HTTP 502: <html>Bad gateway</html>") == (
        "WhatsApp respondió con un error (HTTP 502).")
    assert owner_reason(None, None) == "WhatsApp no aceptó el mensaje."
    # Meta's "failed" status without a code: its English detail stays on the server.
    assert owner_reason(None, reason_for(None, "Message failed to send because of an unknown "
                                               "error.")) == "WhatsApp no entregó el mensaje."
    assert message_statuses.shown(_stored("sent")) == ("sent", None)
    assert message_statuses.shown(_stored("not_configured", error="x")) == ("not_configured", None)


@pytest.mark.unit
def test_the_till_says_each_state_in_spanish():
    assert [state_text(s) for s in ("queued", "sent", "delivered", "read", "not_configured")] == [
        "En cola", "Enviado", "Entregado", "Leído", "Este servidor no tiene WhatsApp configurado"]
    assert state_text("failed", "El número no tiene WhatsApp.") == (
        "No se pudo enviar: El número no tiene WhatsApp.")


# ---- with the server ------------------------------------------------------------------------


@pytest.fixture
def server(database_url, graph):
    harness = ServerHarness(database_url, **settings_for(graph)).start()
    yield harness
    harness.stop()


def _reported(server: ServerHarness) -> list[dict[str, Any]]:
    return [dict(r) for r in server.admin(
        """SELECT request_id, status, reported_status, reported_reason, reported_hlc
           FROM outbound_messages ORDER BY requested_at""")]


def _feed(server: ServerHarness) -> list[dict[str, Any]]:
    return [{**dict(r), "payload": json.loads(r["payload"])} for r in server.admin(
        """SELECT origin_device_id, device_seq, hlc, body->'payload' AS payload FROM changes
           WHERE entity = 'message_status' ORDER BY seq""")]


@pytest.mark.e2e
def test_a_refused_send_reaches_the_feed_as_failed_with_its_reason(
        server, shop, paired_device, graph):
    given_contact_wrote(server, shop.tenant_id, "+525512345678")
    graph.answer_next(graph_error(400, "(#131030) Recipient phone number not in allowed list",
                                  131030, 2494010))
    pos = paired_device("caja-1")
    customer = accounts.save_customer(pos.till, accounts.CustomerDraft("Lupita", "55 1234 5678", "0"))
    request = messages.request_statement(pos.till, customer.id, "Hola, su saldo es $1.00.")
    pos.agent.sync_once()

    wait_until(lambda: _reported(server)[0]["reported_status"] == "failed", timeout=15,
               what="the refusal reported")
    feed = _feed(server)
    assert [(f["payload"]["status"], f["origin_device_id"], f["device_seq"]) for f in feed] == [
        ("queued", None, 0), ("failed", None, 0)]
    assert feed[1]["payload"]["reason"] == (
        "El número del cliente no está entre los permitidos de la cuenta de prueba de WhatsApp.")
    assert feed[1]["payload"]["id"] == str(request.id)
    assert feed[1]["payload"]["customer_id"] == str(customer.id)
    assert feed[0]["hlc"] < feed[1]["hlc"]


@pytest.mark.e2e
def test_a_send_given_up_without_a_connection_tells_the_till_why_in_spanish(
        server, shop, paired_device, graph, caplog):
    given_contact_wrote(server, shop.tenant_id, "+525512345678")
    graph.stop()  # nothing listens at WhatsApp's address: every attempt is a ConnectError
    pos = paired_device("caja-1")
    customer = accounts.save_customer(pos.till, accounts.CustomerDraft("Lupita", "55 1234 5678", "0"))
    messages.request_statement(pos.till, customer.id, "Hola, su saldo es $1.00.")
    with caplog.at_level(logging.WARNING, logger="sync_server.integrations.graph"):
        pos.agent.sync_once()
        wait_until(lambda: _reported(server)[0]["reported_status"] == "failed", timeout=15,
                   what="the send given up and reported")

    [row] = server.admin("SELECT attempts, last_error FROM outbound_messages")
    assert (row["attempts"], row["last_error"]) == (5, NO_CONNECTION)
    assert _feed(server)[-1]["payload"]["reason"] == NO_CONNECTION
    assert "ConnectError" not in NO_CONNECTION
    # The exception's name and detail are for support, in the server's log.
    assert any("ConnectError" in r.getMessage() for r in caplog.records)


@pytest.mark.e2e
def test_a_customer_who_never_wrote_is_told_as_failed_with_the_reason(server, shop, paired_device):
    pos = paired_device("caja-1")
    customer = accounts.save_customer(pos.till, accounts.CustomerDraft("Beto", "55 8765 4321", "0"))
    messages.request_statement(pos.till, customer.id, "Hola, su saldo es $1.00.")
    pos.agent.sync_once()
    wait_until(lambda: _reported(server)[0]["reported_status"] == "failed", timeout=15,
               what="the refusal reported")
    assert _reported(server)[0]["reported_reason"] == NO_CONSENT


@pytest.mark.e2e
def test_each_state_is_told_once_and_stamped_after_the_last_even_from_a_clock_behind(
        server, shop, paired_device):
    """Another replica's clock may run ahead of this one's: the next record is still stamped
    after the one it told, so every till keeps the newest."""
    given_contact_wrote(server, shop.tenant_id, "+525512345678")
    pos = paired_device("caja-1")
    customer = accounts.save_customer(pos.till, accounts.CustomerDraft("Lupita", "55 1234 5678", "0"))
    messages.request_statement(pos.till, customer.id, "Hola.")
    pos.agent.sync_once()
    wait_until(lambda: _reported(server)[0]["reported_status"] == "sent", timeout=15,
               what="sent and told")
    [row] = _reported(server)
    ahead = row["reported_hlc"] + (3_600_000 << 16)  # an hour ahead
    server.admin("UPDATE outbound_messages SET reported_hlc = $1, status = 'delivered'", ahead)

    async def report(pool):
        async with tenant_tx(pool, shop.tenant_id) as conn:
            first = await message_statuses.changed(conn, shop.tenant_id, [row["request_id"]])
            await report_message_states(conn, shop.tenant_id, [row["request_id"]])
            again = await message_statuses.changed(conn, shop.tenant_id, [row["request_id"]])
            return first, again

    first, again = server.call(report)
    assert [c.payload.status for c in first] == ["delivered"]
    assert first[0].hlc == ahead + 1
    assert again == []  # told already: nothing more
    assert _reported(server)[0]["reported_hlc"] > ahead


@pytest.mark.e2e
def test_a_till_cannot_make_a_message_status(server, shop, paired_device):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    forged = MessageStatusChange(
        entity="message_status", change_id=new_uuid7(), device_seq=1, hlc=HybridClock().now(),
        created_at=utc_now(), payload=MessageStatusPayload(
            id=uuid.uuid4(), customer_id=uuid.uuid4(), kind="statement", status="read",
            requested_at=utc_now(), changed_at=utc_now()))
    client = SyncClient(server.url, pos.device.credential)
    try:
        answer = client.push([forged.model_dump_json()])
    finally:
        client.close()
    assert [(r.status, r.code) for r in answer.results] == [("rejected", "server_only")]
    assert _feed(server) == []


@pytest.mark.e2e
def test_a_replayed_request_pushed_while_the_sender_records_it_does_not_deadlock(
        server, shop, paired_device):
    """The sender's transaction changes the message, then takes the shop's feed to tell the
    tills; a push takes the feed first and meets the same message again (the request replayed
    under another change id). The push must not wait on the message under the feed."""
    pos = paired_device("caja-1")
    customer = accounts.save_customer(pos.till, accounts.CustomerDraft("Beto", "55 8765 4321", "0"))
    request = messages.request_statement(pos.till, customer.id, "Hola, su saldo es $1.00.")
    pos.agent.sync_once()
    wait_until(lambda: _reported(server)[0]["reported_status"] == "failed", timeout=15,
               what="the refusal reported")
    [row] = server.admin("SELECT body::text AS body, origin_device_id FROM changes "
                         "WHERE entity = 'message_request'")
    replay = MessageRequestChange.model_validate_json(row["body"]).model_copy(
        update={"change_id": new_uuid7(), "device_seq": 1000})

    async def race(pool):
        async def push():
            async with tenant_tx(pool, shop.tenant_id) as conn:
                await apply_changes(conn, shop.tenant_id, row["origin_device_id"], [replay])

        async with tenant_tx(pool, shop.tenant_id) as sender:
            await outbound.mark_sent(sender, shop.tenant_id, request.id, "wamid.replayed")
            pushing = asyncio.ensure_future(push())
            watcher = await asyncpg.connect(server.database_url)
            try:
                for _ in range(500):  # until the push waits on a lock (or is done)
                    if pushing.done() or await watcher.fetchval(
                            "SELECT count(*) FROM pg_stat_activity "
                            "WHERE wait_event_type = 'Lock'"):
                        break
                    await asyncio.sleep(0.01)
            finally:
                await watcher.close()
            await report_message_states(sender, shop.tenant_id, [request.id])
        await asyncio.wait_for(pushing, 10)

    server.call(race)
    statuses = [f["payload"]["status"] for f in _feed(server)]
    assert statuses == ["queued", "failed", "sent"]
