"""Owners sign up and log in; they pair and revoke devices; guessing is throttled; tenants stay apart."""

from __future__ import annotations

import uuid

import httpx
import pytest

from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.support.server import ServerHarness

pytestmark = pytest.mark.e2e

HEADERS = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


@pytest.fixture
def api(database_url):
    harness = ServerHarness(database_url, auth_failures_allowed=3).start()
    client = httpx.Client(base_url=harness.url, headers=HEADERS)
    yield client
    client.close()
    harness.stop()


def _sign_up(api, email="dona.mary@example.mx", phone=None, shop="Abarrotes Doña Mary"):
    r = api.post("/v1/owners/signup", json={
        "shop_name": shop, "owner_name": "María", "email": email, "phone": phone,
        "password": "tamales-2026"})
    assert r.status_code == 201, r.text
    return r.json()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _pair(api, owner_token: str, name: str = "Caja 1") -> dict:
    code = api.post("/v1/pairing-codes", headers=_auth(owner_token)).json()["code"]
    r = api.post("/v1/devices/pair", json={"code": code, "device_name": name})
    assert r.status_code == 200, r.text
    return r.json()


def test_sign_up_then_log_in_by_email_or_phone(api):
    created = _sign_up(api, phone="+525512340000")
    for login in ("DONA.MARY@example.mx", "+525512340000"):
        r = api.post("/v1/owners/login", json={"login": login, "password": "tamales-2026"})
        assert r.status_code == 200, r.text
        assert r.json()["tenant_id"] == created["tenant_id"]


def test_wrong_password_duplicate_login_and_bad_tokens_are_refused(api):
    _sign_up(api)
    r = api.post("/v1/owners/login", json={"login": "dona.mary@example.mx", "password": "nope"})
    assert (r.status_code, r.json()["code"]) == (401, "invalid_login")
    r = api.post("/v1/owners/login", json={"login": "nadie@example.mx", "password": "nope"})
    assert (r.status_code, r.json()["code"]) == (401, "invalid_login")
    r = api.post("/v1/owners/signup", json={
        "shop_name": "Otra", "owner_name": "X", "email": "dona.mary@example.mx",
        "password": "tamales-de-rajas-2026"})
    assert (r.status_code, r.json()["code"]) == (409, "login_taken")
    r = api.post("/v1/owners/signup", json={"shop_name": "Otra", "owner_name": "X",
                                            "password": "tamales-de-rajas-2026"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_payload")
    for headers in ({}, _auth("not.a.jwt")):
        r = api.post("/v1/pairing-codes", headers=headers)
        assert r.status_code == 401
        assert r.json()["code"] in ("auth_required", "invalid_token")


def test_repeated_failed_logins_are_throttled(api):
    _sign_up(api)
    for _ in range(3):
        api.post("/v1/owners/login", json={"login": "dona.mary@example.mx", "password": "x"})
    r = api.post("/v1/owners/login",
                 json={"login": "dona.mary@example.mx", "password": "tamales-2026"})
    assert (r.status_code, r.json()["code"]) == (429, "too_many_attempts")


def test_pairing_codes_are_single_use_and_guessing_is_throttled(api):
    owner = _sign_up(api)
    code = api.post("/v1/pairing-codes", headers=_auth(owner["token"])).json()["code"]
    first = api.post("/v1/devices/pair", json={"code": code, "device_name": "Caja 1"})
    assert first.status_code == 200
    assert first.json()["device_code"] == "C1"
    again = api.post("/v1/devices/pair", json={"code": code, "device_name": "Caja 2"})
    assert (again.status_code, again.json()["code"]) == (409, "pairing_code_invalid")
    for guess in ("AAAAAAAA", "BBBBBBBB"):
        r = api.post("/v1/devices/pair", json={"code": guess, "device_name": "Intruso"})
        assert r.json()["code"] == "pairing_code_invalid"
    fresh = api.post("/v1/pairing-codes", headers=_auth(owner["token"])).json()["code"]
    blocked = api.post("/v1/devices/pair", json={"code": fresh, "device_name": "Caja 2"})
    assert (blocked.status_code, blocked.json()["code"]) == (429, "too_many_attempts")


def test_revoking_a_device_stops_its_push_and_pull_at_once(api):
    owner = _sign_up(api)
    device = _pair(api, owner["token"])
    cred = _auth(device["credential"])
    assert api.get("/v1/sync/pull", headers=cred).status_code == 200
    r = api.post(f"/v1/devices/{device['device_id']}/revoke", headers=_auth(owner["token"]))
    assert r.json()["revoked"] is True
    pull = api.get("/v1/sync/pull", headers=cred)
    push = api.post("/v1/sync/push", headers=cred, content=b'{"changes": []}')
    assert [(x.status_code, x.json()["code"]) for x in (pull, push)] == [
        (401, "device_revoked"), (401, "device_revoked")]
    listed = api.get("/v1/devices", headers=_auth(owner["token"])).json()
    assert [(d["code"], d["revoked"]) for d in listed] == [("C1", True)]


def test_an_owner_cannot_see_or_touch_another_shops_devices(api):
    a = _sign_up(api, email="a@example.mx", shop="Tienda A")
    b = _sign_up(api, email="b@example.mx", shop="Tienda B")
    b_device = _pair(api, b["token"])
    assert api.get("/v1/devices", headers=_auth(a["token"])).json() == []
    r = api.post(f"/v1/devices/{b_device['device_id']}/revoke", headers=_auth(a["token"]))
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    r = api.post(f"/v1/devices/{uuid.uuid4()}/revoke", headers=_auth(a["token"]))
    assert r.status_code == 404
    still = api.get("/v1/sync/pull", headers=_auth(b_device["credential"]))
    assert still.status_code == 200
