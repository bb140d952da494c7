"""Meta's webhook through the real endpoint with real signatures: verification, bad signatures,
replays, every documented message shape, statuses in any order, routing by number or shop code."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.fakes.graph import PHONE_NUMBER_ID, FakeGraph
from tests.support.jobs import run_cleanup
from tests.support.server import ServerHarness
from tests.support.wait import wait_until
from tests.support.whatsapp import (
    SHOP_NUMBER_ID,
    SHOP_TOKEN,
    VERIFY_TOKEN,
    fixture,
    inbox_done,
    message,
    post,
    settings_for,
    shop_owns_number,
    signature,
    status,
    texts_to,
    wait_handled,
)

pytestmark = pytest.mark.e2e
LUPITA = "525512345678"  # 52 + ten digits: how we send to the 521… sender of the fixtures
OWN = {PHONE_NUMBER_ID: SHOP_NUMBER_ID}  # the fixtures, addressed to the shop's own number


@pytest.fixture
def server(database_url, graph, request):
    harness = ServerHarness(database_url, **settings_for(graph, **getattr(request, "param", {})))
    harness.start()
    yield harness
    harness.stop()


@pytest.fixture
def own_number(server, shop):
    shop_owns_number(server, shop.tenant_id)
    return shop


def _rows(server: ServerHarness, sql: str, *args: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in server.admin(sql, *args)]


def _counts(server: ServerHarness) -> dict[str, int]:
    return {t: server.admin(f"SELECT count(*) AS n FROM {t}")[0]["n"]
            for t in ("whatsapp_inbox", "wa_contacts", "wa_messages", "outbound_messages")}


def _replies_sent(graph: FakeGraph, n: int) -> None:
    wait_until(lambda: len(graph.sent()) >= n, timeout=15, what=f"{n} replies at Graph")


# ---- verification and signatures ------------------------------------------------------------------


def test_meta_subscribes_with_our_verify_token_only(server):
    url = f"{server.url}/v1/whatsapp/webhook"
    ok = httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert ok.headers["content-type"].startswith("text/plain")
    bad = httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "adivina",
                                 "hub.challenge": "1158201444"})
    assert bad.status_code == 403
    assert bad.json()["code"] == "invalid_verify_token"


def test_a_bad_or_missing_signature_changes_nothing(server, own_number, graph):
    raw = fixture("text", **OWN)
    for sig in ("", "sha256=" + "0" * 64, signature(raw, "otro-secreto"), signature(raw + b" ")):
        answer = post(server, raw, sig)
        assert answer.status_code == 401
        assert answer.json()["code"] == "invalid_signature"
    # Signed over a re-serialised body (the accents decoded) instead of Meta's exact bytes.
    reserialised = raw.decode("unicode_escape").encode()
    assert post(server, raw, signature(reserialised)).status_code == 401
    assert _counts(server) == {"whatsapp_inbox": 0, "wa_contacts": 0, "wa_messages": 0,
                               "outbound_messages": 0}
    assert graph.sent() == []


# ---- messages ------------------------------------------------------------------------------------


def test_a_text_from_a_521_number_is_stored_once_and_answered_at_52(server, own_number, graph):
    raw = fixture("text", **OWN)
    assert post(server, raw).status_code == 200
    assert post(server, raw).status_code == 200  # Meta's retry: the same bytes again
    wait_handled(server)
    _replies_sent(graph, 1)
    [contact] = _rows(server, "SELECT * FROM wa_contacts")
    assert contact["tenant_id"] == own_number.tenant_id
    assert contact["phone"] == "+525512345678"
    assert contact["bsuid"] == "MX.13491208655302741918"
    assert contact["profile_name"] == "Lupita Hernández"
    assert contact["phone_number_id"] == SHOP_NUMBER_ID
    [stored] = _rows(server, "SELECT * FROM wa_messages")
    assert stored["text"] == "¿Tienen Coca de 600?"
    assert _rows(server, "SELECT count(*) AS n FROM whatsapp_inbox")[0]["n"] == 1
    [reply] = graph.sent()
    assert reply.path.endswith(f"/{SHOP_NUMBER_ID}/messages")  # the shop's own number
    assert reply.authorization == f"Bearer {SHOP_TOKEN}"  # and its own token
    assert reply.body["to"] == LUPITA
    assert "recipient" not in reply.body
    # Graph has the reply before the sender records its answer: wait for that, not for Graph.
    wait_until(lambda: _rows(server, "SELECT status FROM outbound_messages")[0]["status"] == "sent",
               timeout=10, what="the reply recorded as sent")
    [row] = _rows(server, "SELECT * FROM outbound_messages")
    assert (row["kind"], row["status"], row["phone_number_id"]) == ("reply", "sent", SHOP_NUMBER_ID)


def test_a_replay_later_is_processed_once(server, own_number, graph):
    raw = fixture("text", **OWN)
    post(server, raw)
    wait_handled(server)
    _replies_sent(graph, 1)
    server.admin("UPDATE whatsapp_inbox SET handled_at = NULL, claimed_at = NULL")  # as if lost
    server.app.state.inbox.wake()
    wait_handled(server, "the replayed event handled again")
    assert server.admin("SELECT outcome FROM whatsapp_inbox")[0]["outcome"] == "duplicate"
    assert server.call(lambda _pool: server.app.state.sender.run_once()) == 0
    assert len(graph.sent()) == 1
    assert _counts(server)["wa_messages"] == 1


def test_a_message_delivered_again_after_the_cleanup_is_answered_once(server, own_number, graph):
    raw = fixture("text", **OWN)
    post(server, raw)
    wait_handled(server)
    _replies_sent(graph, 1)
    server.admin("UPDATE whatsapp_inbox SET received_at = now() - interval '100 days', "
                 "handled_at = now() - interval '100 days'")
    assert server.call(run_cleanup).detail["whatsapp_inbox"] == 1
    assert _counts(server)["whatsapp_inbox"] == 0
    assert post(server, raw).status_code == 200  # stored as new: the inbox forgot it
    wait_handled(server, "the event delivered again handled")
    # The shop's own record of the message (wa_messages, never cleaned) is the proof it was
    # answered.
    assert server.admin("SELECT outcome FROM whatsapp_inbox")[0]["outcome"] == "duplicate"
    assert server.call(lambda _pool: server.app.state.sender.run_once()) == 0
    assert len(graph.sent()) == 1
    assert _counts(server)["wa_messages"] == 1


@pytest.mark.parametrize("name", ["button_reply", "list_reply", "order", "unsupported"])
def test_every_documented_message_shape_is_read_and_answered(server, own_number, graph, name):
    assert post(server, fixture(name, **OWN)).status_code == 200
    wait_handled(server)
    _replies_sent(graph, 1)
    [stored] = _rows(server, "SELECT type, body FROM wa_messages")
    assert stored["type"] == {"button_reply": "interactive", "list_reply": "interactive"}.get(name, name)
    assert graph.sent()[0].body["to"] == LUPITA
    if name == "unsupported":
        assert "solo entiendo" in texts_to(graph, LUPITA)[0]


def test_a_username_user_without_a_phone_is_answered_by_bsuid(server, own_number, graph):
    post(server, fixture("username_bsuid_only", **OWN))
    wait_handled(server)
    _replies_sent(graph, 1)
    [contact] = _rows(server, "SELECT phone, bsuid, username FROM wa_contacts")
    assert contact == {"phone": None, "bsuid": "MX.99887766554433221100", "username": "beto.ramirez"}
    [reply] = graph.sent()
    assert reply.body["recipient"] == "MX.99887766554433221100"
    assert "to" not in reply.body


def test_an_unknown_number_is_acknowledged_and_ignored(server, shop, graph):
    raw = fixture("text", **{PHONE_NUMBER_ID: "999999999999999"})
    assert post(server, raw).status_code == 200
    wait_handled(server)
    [event] = _rows(server, "SELECT outcome, routed_to FROM whatsapp_inbox")
    assert event == {"outcome": "ignored: unknown phone_number_id", "routed_to": None}
    assert _counts(server)["wa_contacts"] == 0
    assert graph.sent() == []


# ---- the ring after the 200 ---------------------------------------------------------------------

SLOW_POLL = {"whatsapp_inbox_poll_s": 120.0}  # only a ring can bring the work sooner


@pytest.mark.parametrize("server", [SLOW_POLL], indirect=True)
def test_the_replica_that_stored_an_event_works_on_it_at_once(server, own_number, graph):
    assert post(server, fixture("text", **OWN)).status_code == 200
    wait_until(lambda: inbox_done(server), timeout=10, what="the event handled long before a poll")
    _replies_sent(graph, 1)


@pytest.mark.parametrize("server", [SLOW_POLL], indirect=True)
def test_a_web_only_replica_rings_the_replica_that_works(database_url, server, own_number, graph):
    """Behind a balancer the POST may land on a replica that only answers HTTP; the replica
    that runs the workers (``server``) hears one NOTIFY and answers long before its poll."""
    web = ServerHarness(database_url, **settings_for(graph, background_workers=False,
                                                      **SLOW_POLL)).start()
    try:
        wait_until(lambda: server.app.state.listener.connected.is_set(), timeout=10,
                   what="the working replica listening")
        assert post(web, fixture("text", **OWN)).status_code == 200
        wait_until(lambda: inbox_done(server), timeout=10, what="the event handled on the ring")
        _replies_sent(graph, 1)
    finally:
        web.stop()


# ---- statuses ------------------------------------------------------------------------------------


def _one_reply(server, graph) -> str:
    post(server, fixture("text", **OWN))
    wait_handled(server)
    _replies_sent(graph, 1)
    wait_until(lambda: _rows(server, "SELECT provider_id FROM outbound_messages")[0]["provider_id"],
               timeout=10, what="the reply's wamid recorded")
    return _rows(server, "SELECT provider_id FROM outbound_messages")[0]["provider_id"]


def test_statuses_out_of_order_never_move_a_message_backwards(server, own_number, graph):
    wamid = _one_reply(server, graph)
    for state in ("read", "delivered", "sent", "delivered"):
        assert post(server, status(wamid, state, number=SHOP_NUMBER_ID)).status_code == 200
    wait_handled(server)
    [row] = _rows(server, "SELECT status, delivered_at, read_at FROM outbound_messages")
    assert row["status"] == "read"
    assert row["read_at"] is not None
    assert row["delivered_at"] is not None  # read implies delivered
    post(server, fixture("status_failed", WAMID=wamid, **OWN))
    wait_handled(server)
    assert _rows(server, "SELECT status FROM outbound_messages")[0]["status"] == "read"
    outcomes = [r["outcome"] for r in server.admin(
        "SELECT outcome FROM whatsapp_inbox WHERE kind = 'status' ORDER BY received_at")]
    assert outcomes == ["status applied", "status kept: not newer", "status kept: not newer",
                        "status kept: not newer"]  # the second delivered is the same event


def test_a_failed_status_keeps_graphs_code_and_says_why_in_spanish(server, own_number, graph):
    wamid = _one_reply(server, graph)
    post(server, fixture("status_failed", WAMID=wamid, **OWN))
    wait_handled(server)
    [row] = _rows(server, "SELECT status, error_code, last_error FROM outbound_messages")
    assert (row["status"], row["error_code"]) == ("failed", 131047)
    assert "24 horas" in row["last_error"]


# ---- the shared number ---------------------------------------------------------------------------


def test_the_shared_number_asks_which_shop_and_then_remembers(server, shop, graph):
    from sync_server.services import whatsapp_setup

    post(server, message("hola, ¿cuánto debo?"))
    wait_handled(server)
    _replies_sent(graph, 1)
    [asked] = texts_to(graph, LUPITA)
    assert "TIENDA" in asked
    assert _counts(server)["wa_contacts"] == 0  # no shop learnt anything
    assert _counts(server)["wa_messages"] == 0

    link = server.call(lambda pool: whatsapp_setup.shop_link(pool, shop.tenant_id, "525550001111"))
    assert link.code == "DONAMARY"
    assert link.link == "https://wa.me/525550001111?text=Hola%2C%20tienda%20DONAMARY"
    post(server, message(link.text))
    post(server, message("gracias"))
    wait_handled(server)
    _replies_sent(graph, 3)
    tenants = {r["routed_to"] for r in server.admin(
        "SELECT routed_to FROM whatsapp_inbox WHERE outcome <> 'no shop chosen'")}
    assert tenants == {shop.tenant_id}
    assert _counts(server)["wa_messages"] == 2


def _two_people_in_one_post(first: str, second: str) -> bytes:
    """Meta puts several messages in one POST when they come together."""
    a, b = (json.loads(message("hola", wa_id=w, wamid=f"wamid.{n}{w}"))
            for n, w in enumerate((first, second)))  # the first sorts first
    value = a["entry"][0]["changes"][0]["value"]
    theirs = b["entry"][0]["changes"][0]["value"]
    value["contacts"] += theirs["contacts"]
    value["messages"] += theirs["messages"]
    return json.dumps(a).encode()


def test_one_persons_slow_answer_holds_up_nobody_else(server, shop, graph):
    """Events are worked in lanes, one per person: while Graph keeps the first person's answer
    waiting, the second person's goes out."""
    slow, quick = "5215511110000", "5215522220000"
    released = graph.hold("525511110000")

    def reached(to: str) -> bool:
        return graph.wait_for(lambda got: any(r.body.get("to") == to for r in got), 10)

    try:
        assert post(server, _two_people_in_one_post(slow, quick)).status_code == 200
        assert reached("525511110000")  # the first person's answer, held at Graph
        assert reached("525522220000")  # the second one's gets there all the same
    finally:
        released.set()
    wait_handled(server)
    assert sorted(r.body["to"] for r in graph.sent()) == ["525511110000", "525522220000"]
