"""Finding 4: input never gets a 500. Control characters in owner texts, a session for a shop
that is gone and dates no database can hold are refused with a 4xx and a stable code."""

from __future__ import annotations

import uuid

import pytest

from shared.ids import new_uuid7
from sync_server.services import accounts
from tests.server.owner_api import PASSWORD, auth, client, pair, sign_up
from tests.support.wire_changes import TillChanges

pytestmark = pytest.mark.e2e

GOOD = {"shop_name": "Abarrotes", "owner_name": "María", "email": "m@example.mx",
        "password": PASSWORD}


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/owners/signup", {**GOOD, "shop_name": "Abarrotes\x00"}),
    ("/v1/owners/signup", {**GOOD, "owner_name": "Ma\x00ría"}),
    ("/v1/owners/signup", {**GOOD, "password": "tamales\x00de-rajas"}),
    ("/v1/owners/signup", {**GOOD, "owner_name": "María\x1b[31m"}),
    ("/v1/owners/login", {"login": "m@example.mx\x00", "password": PASSWORD}),
    ("/v1/owners/login", {"login": "m@example.mx", "password": "\x00" * 12}),
    ("/v1/devices/pair", {"code": "ABCD\x00EFG", "device_name": "Caja"}),
])
def test_control_characters_are_refused_as_malformed(server, path, body):
    with client(server.url) as api:
        r = api.post(path, json=body)
    assert r.status_code in (401, 409, 422), r.text
    assert r.status_code != 500


def test_a_session_for_a_shop_that_is_gone_is_refused_as_invalid(server):
    forged = accounts.issue_token(server.settings, new_uuid7(), new_uuid7(), "any-hash")
    with client(server.url) as api:
        answers = [api.post("/v1/pairing-codes", headers=auth(forged)),
                   api.get("/v1/devices", headers=auth(forged)),
                   api.post(f"/v1/devices/{uuid.uuid4()}/revoke", headers=auth(forged))]
    assert [(r.status_code, r.json()["code"]) for r in answers] == [(401, "invalid_token")] * 3


@pytest.mark.parametrize("sold_at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                                     "1899-06-01T12:00:00+00:00", "2150-01-01T00:00:00+00:00"])
def test_a_sale_dated_out_of_reason_is_refused_not_a_500(server, sold_at):
    with client(server.url) as api:
        device = pair(api, sign_up(api)["token"])
        till = TillChanges(device["device_code"])
        body = till.sale([(None, 1_000)]).model_dump(mode="json")
        body["payload"]["sold_at"] = sold_at
        r = api.post("/v1/sync/push", json={"changes": [body]},
                     headers=auth(device["credential"]))
    assert (r.status_code, r.json()["code"]) == (422, "invalid_payload")


def test_a_record_from_a_clock_never_set_is_rejected_clock_behind(server):
    with client(server.url) as api:
        device = pair(api, sign_up(api)["token"])
        till = TillChanges(device["device_code"])
        edit = till.customer().model_dump(mode="json")
        edit["hlc"] = 5 << 16  # 1970-01-01T00:00:00.005
        r = api.post("/v1/sync/push", json={"changes": [edit]},
                     headers=auth(device["credential"]))
    assert r.status_code == 200, r.text
    assert [(x["status"], x["code"]) for x in r.json()["results"]] == [("rejected", "clock_behind")]


def test_a_database_that_refuses_connections_is_a_503_not_a_500(server):
    """The database is unreachable (here: it refuses the app's logins, as one that is restarting
    or out of connections does). That is no fault of the request: 503 database_unavailable,
    which a till takes for "try later" and never blames on a change it sent."""
    with client(server.url) as api:
        device = pair(api, sign_up(api)["token"])
        cred = {"Authorization": f"Bearer {device['credential']}"}
        server.admin("ALTER ROLE michangarrito_app CONNECTION LIMIT 0")
        try:
            server.call(lambda pool: pool.expire_connections())  # each reconnects, refused
            pushed = api.post("/v1/sync/push", headers=cred, json={"changes": []})
            pulled = api.get("/v1/sync/pull", headers=cred, params={"cursor": 0})
            login = api.post("/v1/owners/login", json={"login": "dona.mary@example.mx",
                                                      "password": PASSWORD})
        finally:
            server.admin("ALTER ROLE michangarrito_app CONNECTION LIMIT -1")
        again = api.get("/v1/sync/pull", headers=cred, params={"cursor": 0})
    for r in (pushed, pulled, login):
        assert (r.status_code, r.json()["code"]) == (503, "database_unavailable"), r.text
    assert again.status_code == 200
