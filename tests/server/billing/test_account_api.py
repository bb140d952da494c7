"""The owner's account API: plan and usage, devices with their last sync and revoke, pairing
codes, integrations masked on read, bot settings the plan allows, the owner's WhatsApp
verified by a code, and a forgotten password reset by a code sent there."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from pos_client.services import accounts
from pos_client.services.till import Till
from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.support.billing import OwnerApi, put_on_plan, sign_up
from tests.support.client import pair
from tests.support.fakes.graph import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph
from tests.support.server import ServerHarness
from tests.support.wait import wait_until

pytestmark = pytest.mark.e2e

LLM_KEY = "sk-proj-0123456789abcdefSECRET9876"


@pytest.fixture
def server(database_url, graph) -> Iterator[ServerHarness]:
    harness = ServerHarness(database_url, whatsapp_token=TOKEN,
                            whatsapp_phone_number_id=PHONE_NUMBER_ID,
                            whatsapp_api_url=graph.url, whatsapp_api_version=VERSION,
                            auth_failures_allowed=20).start()
    yield harness
    harness.stop()


@pytest.fixture
def owner(server) -> Iterator[OwnerApi]:
    api = sign_up(server)
    yield api
    api.http.close()


def _code_sent(graph: FakeGraph, n: int) -> str:
    wait_until(lambda: len(graph.sent()) >= n, timeout=10, what="a code on WhatsApp")
    match = re.search(r"\b(\d{6})\b", graph.sent()[n - 1].body["text"]["body"])
    assert match
    return match.group(1)


def test_plan_usage_devices_and_revoke(owner, new_device):
    account = owner.account()
    assert account["shop_name"] == "Abarrotes Doña Mary"
    assert (account["plan"]["status"], account["plan"]["in_force"]["code"]) == ("gratis", "gratis")
    assert account["usage"] == {"tills": 0, "products": 0, "users": 0,
                                "tokens_monthly_allowance": 0, "tokens_from_packages": 0,
                                "tokens_used_this_month": 0}
    assert account["payments_enabled"] is False

    code = owner.post("/v1/account/pairing-codes")
    assert code.status_code == 201
    pos = new_device("caja-1")
    pair(pos, owner.server.url, code.json()["code"], "Caja 1")
    till = Till(pos.db, pos.device)
    accounts.save_customer(till, accounts.CustomerDraft("Lupita", "", "0"))
    assert pos.agent.sync_once().pending == 0

    (device,) = owner.get("/v1/account/devices").json()
    assert (device["name"], device["code"], device["revoked"]) == ("Caja 1", "C1", False)
    assert device["last_sync_at"] is not None
    assert owner.account()["usage"]["tills"] == 1

    revoked = owner.post(f"/v1/account/devices/{device['device_id']}/revoke")
    assert (revoked.status_code, revoked.json()["revoked"]) == (200, True)
    assert owner.account()["usage"]["tills"] == 0
    assert pos.agent.sync_once().online  # reaches the server, which refuses it
    other = sign_up(owner.server, email="otra@example.mx")
    r = other.post(f"/v1/account/devices/{device['device_id']}/revoke")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_integrations_are_masked_on_read_and_checked(owner):
    r = owner.http.put("/v1/account/integrations/llm", json={
        "settings": {"provider": "anthropic", "model": "claude-sonnet"},
        "secrets": {"api_key": LLM_KEY}})
    assert r.status_code == 200, r.text
    assert r.json()["secrets"] == {"api_key": "••••9876"}
    listed = owner.get("/v1/account/integrations").json()
    assert [(i["kind"], i["settings"]["provider"], i["secrets"]) for i in listed["saved"]] == [
        ("llm", "anthropic", {"api_key": "••••9876"})]
    assert LLM_KEY not in owner.get("/v1/account/integrations").text
    assert {k["kind"] for k in listed["kinds"]} == {"whatsapp", "llm", "mercadopago",
                                                     "stripe_shop", "clip"}

    bad = owner.http.put("/v1/account/integrations/llm", json={
        "settings": {"provider": "litellm"}, "secrets": {}})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_integration")
    unknown = owner.http.put("/v1/account/integrations/paypal", json={"settings": {}})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_integration")
    wa = owner.http.put("/v1/account/integrations/whatsapp", json={
        "settings": {"phone_number_id": "1065403522", "display_phone": "+52 55 1111 2222"},
        "secrets": {"token": "EAAG" + "x" * 40 + "WXYZ"}})
    assert wa.json()["secrets"] == {"token": "••••WXYZ"}
    assert owner.http.delete("/v1/account/integrations/llm").status_code == 204
    assert [i["kind"] for i in owner.get("/v1/account/integrations").json()["saved"]] == ["whatsapp"]


def test_the_bot_answers_only_when_the_plan_has_it(owner):
    assert owner.get("/v1/account/bot").json() == {  # never touched: on, waiting for a plan
        "enabled": True, "greeting": None, "allowed_by_plan": False, "answering": False}
    on = owner.http.put("/v1/account/bot", json={"enabled": True, "greeting": "¡Hola!"})
    assert on.json() == {"enabled": True, "greeting": "¡Hola!", "allowed_by_plan": False,
                         "answering": False}
    owner.server.call(lambda pool: put_on_plan(pool, owner.tenant_id, "changarrito"))
    assert owner.get("/v1/account/bot").json()["answering"] is True
    off = owner.http.put("/v1/account/bot", json={"enabled": False, "greeting": None})
    assert (off.json()["enabled"], off.json()["answering"]) == (False, False)


def test_the_assistants_tokens_follow_the_plan_in_force(owner):
    """The token meter billing credits packages to reads the shop's plan: Gratis gives no
    monthly tokens, Changarrito 100,000; a call spends the month's allowance first."""
    meter = owner.server.app.state.billing.meter
    on_free = owner.server.call(lambda _: meter.balance(owner.tenant_id))
    assert (on_free.plan.name, on_free.left) == ("Gratis", 0)
    owner.server.call(lambda pool: put_on_plan(pool, owner.tenant_id, "changarrito"))
    charged = owner.server.call(lambda _: meter.charge(owner.tenant_id, "llamada-1", "openai",
                                                       "gpt-4o-mini", 2_500, 500))
    assert (charged.tokens, charged.balance.allowance_left) == (3, 99_997)
    usage = owner.account()["usage"]
    assert (usage["tokens_monthly_allowance"], usage["tokens_used_this_month"],
            usage["tokens_from_packages"]) == (100_000, 3, 0)


def test_a_forgotten_password_is_reset_by_a_code_on_the_verified_whatsapp(owner, graph):
    r = owner.post("/v1/owners/password-reset", json={"login": "dona.mary@example.mx"})
    assert (r.status_code, r.json()["code"]) == (409, "no_verified_whatsapp")
    assert "no podemos enviarte un código" in r.json()["message"]
    assert graph.sent() == []

    assert owner.post("/v1/account/whatsapp/verify", json={"phone": "55 8765 4321"}).status_code == 202
    code = _code_sent(graph, 1)
    assert graph.sent()[0].body["to"] == "525587654321"
    wrong = owner.post("/v1/account/whatsapp/confirm", json={"phone": "5587654321", "code": "000000"})
    assert wrong.json()["code"] == "invalid_code"
    ok = owner.post("/v1/account/whatsapp/confirm", json={"phone": "5587654321", "code": code})
    assert ok.json() == {"phone": "+525587654321"}

    for login in ("dona.mary@example.mx", "+525587654321"):
        started = owner.post("/v1/owners/password-reset", json={"login": login})
        if login.startswith("+"):  # asked again within a minute
            assert started.json()["code"] == "code_too_soon"
            continue
        assert started.status_code == 202, started.text
        assert started.json()["sent_to"] == "••••4321"
    reset_code = _code_sent(graph, 2)
    bad = owner.post("/v1/owners/password-reset/confirm", json={
        "login": "dona.mary@example.mx", "code": "123456", "new_password": "otra-clave-2027"})
    assert bad.json()["code"] == "invalid_code"
    for weak in ("corta", "1234567890"):  # the sign-up's rule: too short, everybody's first try
        refused = owner.post("/v1/owners/password-reset/confirm", json={
            "login": "dona.mary@example.mx", "code": reset_code, "new_password": weak})
        assert (refused.status_code, refused.json()["code"]) == (400, "weak_password")
    done = owner.post("/v1/owners/password-reset/confirm", json={
        "login": "dona.mary@example.mx", "code": reset_code, "new_password": "otra-clave-2027"})
    assert done.status_code == 200, done.text
    assert done.json()["tenant_id"] == str(owner.tenant_id)
    reused = owner.post("/v1/owners/password-reset/confirm", json={
        "login": "dona.mary@example.mx", "code": reset_code, "new_password": "tercera-2028"})
    assert reused.json()["code"] == "invalid_code"  # one use
    old = owner.post("/v1/owners/login", json={"login": "dona.mary@example.mx",
                                               "password": "tamales-2026"})
    new = owner.post("/v1/owners/login", json={"login": "dona.mary@example.mx",
                                               "password": "otra-clave-2027"})
    assert (old.status_code, new.status_code) == (401, 200)


def test_a_password_reset_ends_every_other_session(owner, graph):
    """Someone who knew the old password (or holds a stolen session) is logged out by the reset,
    on every owner endpoint: the account API, the owners' API and the WhatsApp setup."""
    import httpx

    assert owner.post("/v1/account/whatsapp/verify", json={"phone": "55 8765 4321"}).status_code == 202
    owner.post("/v1/account/whatsapp/confirm", json={"phone": "5587654321",
                                                    "code": _code_sent(graph, 1)})
    other = owner.post("/v1/owners/login", json={"login": "dona.mary@example.mx",
                                                 "password": "tamales-2026"}).json()["token"]
    paths = ("/v1/account", "/v1/devices", "/v1/whatsapp/shop-link")

    def answers(token: str) -> list[int]:
        return [httpx.get(owner.server.url + path, headers={
            "Authorization": f"Bearer {token}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}).status_code
            for path in paths]

    before = answers(other)
    assert before == [200, 200, 200]
    assert owner.get("/v1/account").status_code == 200
    assert owner.post("/v1/owners/password-reset",
                      json={"login": "dona.mary@example.mx"}).status_code == 202
    done = owner.post("/v1/owners/password-reset/confirm", json={
        "login": "dona.mary@example.mx", "code": _code_sent(graph, 2),
        "new_password": "otra-clave-2027"})
    assert done.status_code == 200, done.text

    assert answers(other) == [401, 401, 401]
    r = owner.get("/v1/account")  # the session the fixture signed up with
    assert (r.status_code, r.json()["code"]) == (401, "invalid_token")
    assert answers(done.json()["token"]) == before  # the reset's own session works
    again = owner.post("/v1/owners/login", json={"login": "dona.mary@example.mx",
                                                 "password": "otra-clave-2027"}).json()["token"]
    assert answers(again) == before


def test_a_password_change_needs_the_current_one_and_ends_the_other_sessions(owner):
    import httpx

    def account(token: str) -> int:
        return httpx.get(owner.server.url + "/v1/account",
                         headers={"Authorization": f"Bearer {token}"}).status_code

    other = owner.post("/v1/owners/login", json={"login": "dona.mary@example.mx",
                                                 "password": "tamales-2026"}).json()["token"]
    wrong = owner.post("/v1/account/password", json={"current_password": "no-es-esta",
                                                     "new_password": "otra-clave-2027"})
    assert (wrong.status_code, wrong.json()["code"]) == (403, "wrong_password")
    weak = owner.post("/v1/account/password", json={"current_password": "tamales-2026",
                                                    "new_password": "corta"})
    assert (weak.status_code, weak.json()["code"]) == (400, "weak_password")
    assert account(other) == 200  # refused changes end nothing

    done = owner.post("/v1/account/password", json={"current_password": "tamales-2026",
                                                    "new_password": "otra-clave-2027"})
    assert done.status_code == 200, done.text
    assert account(other) == 401
    assert owner.get("/v1/account").status_code == 401  # the session that asked, too
    assert account(done.json()["token"]) == 200  # only the answer's session is left
    new = owner.post("/v1/owners/login", json={"login": "dona.mary@example.mx",
                                               "password": "otra-clave-2027"})
    assert new.status_code == 200


def test_an_unknown_login_gets_the_same_plain_answer(owner, graph):
    r = owner.post("/v1/owners/password-reset", json={"login": "nadie@example.mx"})
    assert (r.status_code, r.json()["code"]) == (409, "no_verified_whatsapp")
    assert graph.sent() == []


def test_the_account_api_needs_the_owners_session(server):
    import httpx

    for path in ("/v1/account", "/v1/account/devices", "/v1/account/integrations"):
        r = httpx.get(server.url + path)
        assert (r.status_code, r.json()["code"]) == (401, "auth_required")
    r = httpx.get(server.url + "/v1/account", headers={"Authorization": "Bearer nope"})
    assert (r.status_code, r.json()["code"]) == (401, "invalid_token")
