"""Statements asked for at a till reach WhatsApp once, through the server, whatever happens
on the way: offline tills, replayed pushes, errors, retries, a server not yet configured,
two replicas."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from pos_client.services import accounts, messages
from pos_client.services.till import Till
from pos_client.sync.client import SyncClient
from shared.ids import new_uuid7
from sync_server.db import tenant_tx
from sync_server.integrations.graph import (
    Failed,
    GraphAccount,
    GraphClient,
    Recipient,
    Sent,
    envelope,
    text_shape,
)
from tests.support.fakes.graph import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph, graph_error
from tests.support.server import ServerHarness
from tests.support.wait import wait_until
from tests.support.whatsapp import given_contact_wrote, settings_for

pytestmark = pytest.mark.e2e

SHOP = "Abarrotes Doña Mary"


def _whatsapp(graph: FakeGraph, **overrides: Any) -> dict[str, Any]:
    return settings_for(graph, **overrides)


@pytest.fixture
def server(database_url, graph, request):
    """Overrides the shared one: WhatsApp points at the fake (param: settings to change)."""
    harness = ServerHarness(database_url, **_whatsapp(graph, **getattr(request, "param", {}))).start()
    yield harness
    harness.stop()


@pytest.fixture(autouse=True)
def customers_wrote(request):
    """These tests are about sending: every customer they message has written to the shop
    (messaging someone who has not is refused; see test_whatsapp_consent.py)."""
    if "shop" in request.fixturenames:
        server, shop = request.getfixturevalue("server"), request.getfixturevalue("shop")
        for phone in ["+525512345678", *(f"+5255123456{n:02d}" for n in range(8))]:
            given_contact_wrote(server, shop.tenant_id, phone)


def _till(pos) -> Till:
    return Till(pos.db, pos.device)


def _customer(pos, name="Guadalupe Hernández", phone="55 1234 5678") -> uuid.UUID:
    return accounts.save_customer(_till(pos), accounts.CustomerDraft(name, phone, "500")).id


def _statement_text(pos, customer_id: uuid.UUID) -> str:
    return messages.statement_text(accounts.statement(_till(pos), customer_id))


def _outbound(server: ServerHarness, tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    """The shop's outbound messages, read as the server reads them (app role, RLS on)."""

    async def fetch(pool):
        async with tenant_tx(pool, tenant_id) as conn:
            rows = await conn.fetch("SELECT * FROM outbound_messages ORDER BY requested_at")
            return [dict(r) for r in rows]

    return server.call(fetch)


def _wait_status(server, tenant_id, statuses: list[str], what: str) -> list[dict[str, Any]]:
    wait_until(lambda: [m["status"] for m in _outbound(server, tenant_id)] == statuses,
               timeout=15, what=what)
    return _outbound(server, tenant_id)


def _sender_pass(server: ServerHarness) -> int:
    """One more pass of the server's own sender, now: what it would still send."""
    return server.call(lambda _pool: server.app.state.sender.run_once())


def _expected_body(to: str, body: str) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": {"preview_url": False, "body": body}}


# Polling once a minute: only the push's NOTIFY can make it go out within the test's wait.
@pytest.mark.parametrize("server", [{"whatsapp_poll_s": 60.0}], indirect=True)
def test_statement_asked_offline_is_sent_once_after_the_till_syncs(server, shop, paired_device, graph):
    till, other = paired_device("caja-1"), paired_device("caja-2")
    till.agent.sync_once()
    customer = _customer(till)
    body = _statement_text(till, customer)
    assert "\n" in body
    assert "Guadalupe" in body
    assert SHOP in body  # the name the till got from the server when it was paired

    server.stop()  # the internet is down at the shop
    request = messages.request_statement(_till(till), customer, body, cashier_id=None)
    assert till.agent.sync_once().online is False
    assert [r.id for r in messages.pending_requests(_till(till), customer)] == [request.id]
    assert graph.sent() == []

    server.start()
    assert till.agent.sync_once().pending == 0
    wait_until(lambda: len(graph.sent()) == 1, timeout=15, what="the message at WhatsApp")
    [got] = graph.sent()
    assert got.path == f"/{VERSION}/{PHONE_NUMBER_ID}/messages"
    assert got.authorization == f"Bearer {TOKEN}"
    assert got.content_type == "application/json"
    assert got.body == _expected_body("525512345678", body)

    [row] = _wait_status(server, shop.tenant_id, ["sent"], "the message marked sent")
    assert row["request_id"] == request.id
    assert row["customer_id"] == customer
    assert row["provider_id"] == "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEj0001"
    assert (row["attempts"], row["last_error"], row["kind"]) == (1, None, "statement")
    assert row["to_phone"] == "+525512345678"
    assert row["body"] == body
    assert row["device_id"] == till.device.device_id
    assert row["sent_at"] is not None

    assert _sender_pass(server) == 0
    assert len(graph.sent()) == 1
    assert messages.pending_requests(_till(till), customer) == []
    assert [r.state for r in messages.requests(_till(till), customer)] == ["en_servidor"]
    other.agent.sync_once()  # the other till learns of it too (a fact, like a sale)
    with other.db.read() as conn:
        assert conn.execute(text("SELECT id, device_id, text FROM message_requests")).one() == (
            str(request.id), str(till.device.device_id), body)


def test_a_replayed_push_sends_nothing_twice(server, shop, paired_device, graph):
    till = paired_device("caja-1")
    customer = _customer(till)
    messages.request_statement(_till(till), customer, "Hola, su saldo es de $120.00.")
    till.agent.sync_once()
    _wait_status(server, shop.tenant_id, ["sent"], "the first send")
    with till.db.read() as conn:
        sent_body = conn.execute(text(
            "SELECT body FROM outbox WHERE entity = 'message_request'")).scalar_one()
        last_seq = conn.execute(text("SELECT max(device_seq) FROM outbox")).scalar_one()

    # The same push again (a lost answer), and the same request under a new change id.
    again = json.loads(sent_body)
    again.update(change_id=str(new_uuid7()), device_seq=last_seq + 1)
    client = SyncClient(till.device.server_url, till.device.credential)
    try:
        replayed = client.push([sent_body])
        renamed = client.push([json.dumps(again)])
    finally:
        client.close()
    assert [r.status for r in replayed.results] == ["duplicate"]
    assert [r.status for r in renamed.results] == ["accepted"]

    assert _sender_pass(server) == 0
    assert len(_outbound(server, shop.tenant_id)) == 1
    assert len(graph.sent()) == 1


def test_a_400_is_final_and_its_reason_recorded(server, shop, paired_device, graph):
    graph.answer_next(graph_error(400, "(#131030) Recipient phone number not in allowed list",
                                  131030, 2494010))
    till = paired_device("caja-1")
    customer = _customer(till)
    messages.request_statement(_till(till), customer, "Hola, su saldo es de $120.00.")
    till.agent.sync_once()

    [row] = _wait_status(server, shop.tenant_id, ["failed"], "the refusal recorded")
    assert row["attempts"] == 1
    assert row["provider_id"] is None
    assert row["sent_at"] is None
    assert row["last_error"] == ("HTTP 400 code 131030/2494010: (#131030) Recipient phone number "
                                 "not in allowed list (fbtrace AbCdEfGhIjK)")
    assert _sender_pass(server) == 0
    assert len(graph.sent()) == 1


def test_a_500_and_a_429_are_retried_until_sent(server, shop, paired_device, graph):
    graph.answer_next(graph_error(500, "An unknown error has occurred.", 1),
                      graph_error(429, "(#130429) Rate limit hit", 130429, kind="OAuthException"))
    till = paired_device("caja-1")
    customer = _customer(till)
    messages.request_statement(_till(till), customer, "Hola, su saldo es de $120.00.")
    till.agent.sync_once()

    [row] = _wait_status(server, shop.tenant_id, ["sent"], "sent on the third try")
    assert row["attempts"] == 2  # Meta's throttling (130429) gives its attempt back
    assert row["last_error"] is None
    assert row["provider_id"] == "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEj0003"
    sent = graph.sent()
    assert len(sent) == 3
    assert sent[0].body == sent[1].body == sent[2].body


def test_five_failed_attempts_give_up(server, shop, paired_device, graph):
    graph.answer_next(*[graph_error(503, "Service temporarily unavailable", 2)] * 5)
    till = paired_device("caja-1")
    messages.request_statement(_till(till), _customer(till), "Hola, su saldo es $1.00.")
    till.agent.sync_once()

    [row] = _wait_status(server, shop.tenant_id, ["failed"], "given up after five")
    assert row["attempts"] == 5
    assert "HTTP 503" in row["last_error"]
    assert _sender_pass(server) == 0
    assert len(graph.sent()) == 5


@pytest.mark.parametrize("server", [{"whatsapp_retry_base_s": 60.0}], indirect=True)
def test_a_retry_waits_its_backoff(server, shop, paired_device, graph):
    graph.answer_next(graph_error(500, "An unknown error has occurred.", 1))
    till = paired_device("caja-1")
    messages.request_statement(_till(till), _customer(till), "Hola, su saldo es $1.00.")
    till.agent.sync_once()

    wait_until(lambda: _outbound(server, shop.tenant_id)[0]["attempts"] == 1, timeout=15,
               what="the first attempt recorded")
    [row] = _outbound(server, shop.tenant_id)
    assert row["status"] == "pending"
    assert "HTTP 500" in row["last_error"]
    assert row["next_attempt_at"] - row["created_at"] >= timedelta(seconds=59)
    assert _sender_pass(server) == 0
    assert len(graph.sent()) == 1


@pytest.mark.parametrize("server", [{"whatsapp_token": None}], indirect=True)
def test_not_configured_waits_and_is_sent_once_configured(
    server, shop, paired_device, graph, database_url
):
    till = paired_device("caja-1")
    customer = _customer(till)
    request = messages.request_statement(_till(till), customer, "Hola, su saldo es $1.00.")
    till.agent.sync_once()
    [row] = _wait_status(server, shop.tenant_id, ["not_configured"], "the request parked")
    assert row["attempts"] == 0
    assert graph.sent() == []

    server.stop()  # the owner sets MCH_WHATSAPP_TOKEN and restarts
    configured = ServerHarness(database_url, **_whatsapp(graph)).start()
    try:
        [row] = _wait_status(configured, shop.tenant_id, ["sent"], "sent after configuration")
        assert row["request_id"] == request.id
        assert row["attempts"] == 1
        assert [r.body["to"] for r in graph.sent()] == ["525512345678"]
    finally:
        configured.stop()


def test_two_replicas_send_each_message_once(server, shop, paired_device, graph, database_url):
    replica = ServerHarness(database_url, **_whatsapp(graph)).start()
    try:
        till = paired_device("caja-1")
        phones = [f"55 1234 56{n:02d}" for n in range(8)]
        for n, phone in enumerate(phones):
            customer = _customer(till, f"Cliente {n}", phone)
            messages.request_statement(_till(till), customer, f"Hola cliente {n}.")
        till.agent.sync_once()
        _wait_status(server, shop.tenant_id, ["sent"] * 8, "all eight sent")
        sent = sorted(r.body["to"] for r in graph.sent())
        assert sent == sorted(f"52{p.replace(' ', '')}" for p in phones)
        assert _sender_pass(server) + _sender_pass(replica) == 0
    finally:
        replica.stop()


# ---- the Graph client alone -------------------------------------------------------------------


def _client(url: str = "https://graph.example", transport=None) -> GraphClient:
    return GraphClient(url, VERSION, timeout_s=2, transport=transport)


def _send(client: GraphClient) -> Sent | Failed:
    async def go() -> Sent | Failed:
        try:
            return await client.send(GraphAccount(PHONE_NUMBER_ID, TOKEN),
                                     envelope(Recipient("+525512345678"), text_shape("Hola")))
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_graph_client_reads_answers_and_tells_safe_retries_from_unsafe_ones():
    def raising(exc: Exception) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            raise exc
        return httpx.MockTransport(handler)

    refused = _send(_client(transport=raising(httpx.ConnectError("refused"))))
    assert isinstance(refused, Failed)
    assert refused.retry
    timed_out = _send(_client(transport=raising(httpx.ReadTimeout("slow"))))
    assert isinstance(timed_out, Failed)
    assert not timed_out.retry
    no_id = _send(_client(transport=httpx.MockTransport(lambda r: httpx.Response(200, text="ok"))))
    assert isinstance(no_id, Sent)
    assert no_id.provider_id is None
    assert "sin id" in (no_id.note or "")
    html = _send(_client(transport=httpx.MockTransport(
        lambda r: httpx.Response(502, text="<html>Bad gateway</html>"))))
    assert html == Failed("HTTP 502: <html>Bad gateway</html>", retry=True)
    throttled = _send(_client(transport=httpx.MockTransport(lambda r: httpx.Response(
        400, json=graph_error(400, "(#130429) Rate limit hit", 130429)[1]))))
    assert isinstance(throttled, Failed)
    assert (throttled.retry, throttled.code) == (True, 130429)  # a 400, but nothing was sent
    assert throttled.wait_s is not None
    bad_token = _send(_client(transport=httpx.MockTransport(lambda r: httpx.Response(
        401, json=graph_error(401, "Invalid OAuth access token.", 190)[1]))))
    assert isinstance(bad_token, Failed)
    assert (bad_token.retry, bad_token.auth) == (True, True)  # waits for the operator
    assert "code 190" in bad_token.error
    for maybe_sent in (graph_error(504, "Gateway timeout", 1),
                       graph_error(500, "(#131000) Something went wrong", 131000)):
        unknown = _send(_client(transport=httpx.MockTransport(
            lambda r, a=maybe_sent: httpx.Response(a[0], json=a[1]))))
        assert isinstance(unknown, Failed)
        assert not unknown.retry  # WhatsApp may have it: never a second copy
        assert "pudo haberse enviado" in unknown.error


def test_graph_client_without_a_server_is_a_retry(graph):
    url = graph.url
    graph.stop()  # nothing listens there any more
    failed = _send(_client(url))
    assert isinstance(failed, Failed)
    assert failed.retry


def test_an_answer_that_cannot_be_recorded_is_never_sent_again(
    server, shop, paired_device, graph, monkeypatch
):
    """WhatsApp accepted it, then recording that failed (the database went away): the claim
    stays, expires into failed, and the message is not sent a second time."""
    from sync_server.repositories import outbound
    from sync_server.services import whatsapp

    real_mark_sent = outbound.mark_sent
    calls = []

    async def broken_mark_sent(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(outbound, "mark_sent", broken_mark_sent)
    till = paired_device("caja-1")
    messages.request_statement(_till(till), _customer(till), "Hola, su saldo es $1.00.")
    till.agent.sync_once()
    wait_until(lambda: calls, timeout=15, what="the outcome could not be recorded")
    [row] = _outbound(server, shop.tenant_id)
    assert (row["status"], row["attempts"]) == ("sending", 1)
    for _ in range(3):
        _sender_pass(server)
    assert len(graph.sent()) == 1  # a claim in flight is nobody else's to send
    monkeypatch.setattr(outbound, "mark_sent", real_mark_sent)
    monkeypatch.setattr(whatsapp, "CLAIM_LEASE_S", 0.0)  # the lease is over
    _sender_pass(server)
    [row] = _outbound(server, shop.tenant_id)
    assert row["status"] == "failed"
    assert "pudo haber llegado" in row["last_error"]
    _sender_pass(server)
    assert len(graph.sent()) == 1


def test_refused_credentials_keep_the_message_waiting(server, shop, paired_device, graph):
    graph.answer_next(*[graph_error(401, "Invalid OAuth access token.", 190)] * 6)
    till = paired_device("caja-1")
    messages.request_statement(_till(till), _customer(till), "Hola, su saldo es $1.00.")
    till.agent.sync_once()
    wait_until(lambda: _outbound(server, shop.tenant_id)[0]["attempts"] == 1, timeout=15,
               what="the refusal recorded")
    [row] = _outbound(server, shop.tenant_id)
    assert row["status"] == "pending"  # not failed: the operator fixes the token and it goes
    assert "code 190" in row["last_error"]
    assert row["next_attempt_at"] - row["created_at"] >= timedelta(minutes=59)
    assert _sender_pass(server) == 0
    assert len(graph.sent()) == 1


def test_a_till_cannot_message_a_number_that_is_not_a_customers(server, shop, paired_device, graph):
    """The business number is shared by every shop: the server sends only to a customer's phone
    on file, whatever a till (buggy or stolen) asks."""
    from shared.clock import utc_now
    from shared.hlc import HybridClock
    from shared.sync.envelopes import MessageRequestChange
    from shared.sync.payloads import MessageRequestPayload

    till = paired_device("caja-1")
    customer = _customer(till)
    till.agent.sync_once()
    clock, now = HybridClock(), utc_now()

    def forged(customer_id, to, seq):
        return MessageRequestChange(
            entity="message_request", change_id=new_uuid7(), device_seq=seq, hlc=clock.now(),
            created_at=now, payload=MessageRequestPayload(
                id=new_uuid7(), customer_id=customer_id, to=to, kind="statement",
                text="Gana dinero fácil", requested_at=now))

    client = SyncClient(server.url, till.device.credential)
    try:
        answer = client.push([forged(customer, "+525500000000", 100).model_dump_json(),
                              forged(uuid.uuid4(), "+525512345678", 101).model_dump_json()])
    finally:
        client.close()
    assert [(r.status, r.code) for r in answer.results] == [
        ("rejected", "wrong_recipient"), ("rejected", "unknown_customer")]
    assert _outbound(server, shop.tenant_id) == []
    assert _sender_pass(server) == 0
    assert graph.sent() == []
