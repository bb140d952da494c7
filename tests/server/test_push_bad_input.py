"""A malformed or unauthenticated push gets a clear 4xx with a stable code and changes nothing."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from pos_client.services.sales import record_sale
from pos_client.store.repositories import outbox
from shared.sale import PaymentMethod, Tender
from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def device_and_body(paired_device, small_catalog):
    """A paired device and the JSON body of one real sale change, as the client sends it."""
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    record_sale(pos.till, ticket_for(pos.db, small_catalog[0].barcode),
                [Tender(PaymentMethod.CASH, small_catalog[0].price)])
    with pos.db.read() as conn:
        (pending,) = outbox.pending(conn, 10)
    return pos, json.loads(pending.body)


def _post(server, body: bytes | str, token: str | None,
          protocol: str | None = str(PROTOCOL_VERSION)):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if protocol is not None:
        headers[PROTOCOL_HEADER] = protocol
    return httpx.post(f"{server.url}/v1/sync/push", content=body, headers=headers)


def _state(server) -> tuple:
    row = server.admin(
        """SELECT (SELECT count(*) FROM changes) c, (SELECT count(*) FROM sales) s,
                  (SELECT sum(feed_seq) FROM tenants) h, (SELECT sum(last_device_seq) FROM devices) d"""
    )[0]
    return tuple(row)


def _with(change: dict, path: tuple, value) -> dict:
    out = json.loads(json.dumps(change))
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


CASES = {
    "bad json": (lambda c: '{"changes": [', 400, "invalid_json"),
    "not an object": (lambda c: "[1, 2]", 422, "invalid_payload"),
    "no changes": (lambda c: json.dumps({"changes": []}), 422, "invalid_payload"),
    "unknown entity": (lambda c: json.dumps({"changes": [_with(c, ("entity",), "spaceship")]}),
                       422, "invalid_payload"),
    "total as string": (lambda c: json.dumps({"changes": [_with(c, ("payload", "total"), "10")]}),
                        422, "invalid_payload"),
    "qty as float": (lambda c: json.dumps(
        {"changes": [_with(c, ("payload", "lines"), [dict(c["payload"]["lines"][0], qty_milli=1.5)])]}
    ), 422, "invalid_payload"),
    "naive timestamp": (lambda c: json.dumps(
        {"changes": [_with(c, ("payload", "sold_at"), "2026-11-27T10:00:00")]}), 422, "invalid_payload"),
    "negative total": (lambda c: json.dumps({"changes": [_with(c, ("payload", "total"), -5)]}),
                       422, "invalid_payload"),
    "extra field": (lambda c: json.dumps({"changes": [_with(c, ("sneaky",), 1)]}),
                    422, "invalid_payload"),
    "NUL in a name": (lambda c: json.dumps({"changes": [_with(c, ("payload", "lines"), [
        dict(c["payload"]["lines"][0], name="Coca\u0000")])]}), 422, "invalid_payload"),
    "NUL in the folio": (lambda c: json.dumps(
        {"changes": [_with(c, ("payload", "folio"), "C1-\u0000")]}), 422, "invalid_payload"),
    "device_seq past bigint": (lambda c: json.dumps(
        {"changes": [_with(c, ("device_seq",), 2**63)]}), 422, "invalid_payload"),
    "line total not price x qty": (lambda c: json.dumps({"changes": [_with(c, ("payload", "lines"), [
        dict(c["payload"]["lines"][0], total=1)])]}), 422, "invalid_payload"),
    "repeated line number": (lambda c: json.dumps({"changes": [_with(c, ("payload", "lines"), [
        c["payload"]["lines"][0], c["payload"]["lines"][0]])]}), 422, "invalid_payload"),
    "payments short of the total": (lambda c: json.dumps({"changes": [_with(
        c, ("payload", "payments"), [dict(c["payload"]["payments"][0], amount=1, tendered=1)])]}),
        422, "invalid_payload"),
    "too many changes": (lambda c: json.dumps({"changes": [c] * 501}), 422, "invalid_payload"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_push_is_refused_and_changes_nothing(server, device_and_body, case):
    pos, change = device_and_body
    make, status, code = CASES[case]
    before = _state(server)
    response = _post(server, make(change), pos.device.credential)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]  # a human sentence, in Spanish
    assert _state(server) == before


def test_credentials_and_protocol_are_checked_before_anything_is_written(server, device_and_body):
    pos, change = device_and_body
    body = json.dumps({"changes": [change]})
    token = pos.device.credential
    tenant, device, _secret = token.split(".")[1:]
    forged = f"mchd1.{tenant}.{device}.{'x' * 43}"
    other_device = f"mchd1.{tenant}.{uuid.uuid4().hex}.{'x' * 43}"
    before = _state(server)
    expectations = [
        (_post(server, body, None), 401, "auth_required"),
        (_post(server, body, "garbage"), 401, "invalid_credential"),
        (_post(server, body, forged), 401, "invalid_credential"),
        (_post(server, body, other_device), 401, "invalid_credential"),
        (_post(server, body, token, protocol=None), 400, "protocol_missing"),
        (_post(server, body, token, protocol="0"), 426, "protocol_unsupported"),
        (_post(server, body, token, protocol="1"), 426, "protocol_unsupported"),  # before discounts
    ]
    for response, status, code in expectations:
        assert (response.status_code, response.json()["code"]) == (status, code)
    assert _state(server) == before
    # …and the same body with the right credential goes through.
    assert _post(server, body, token).json()["results"][0]["status"] == "accepted"
    assert _state(server) != before


def test_oversized_body_is_refused(server, device_and_body):
    pos, _ = device_and_body
    before = _state(server)
    huge = b'{"changes": [' + b" " * (server.settings.max_body_bytes + 1) + b"]}"
    response = _post(server, huge, pos.device.credential)
    assert (response.status_code, response.json()["code"]) == (413, "payload_too_large")
    assert _state(server) == before


def test_a_record_stamped_a_day_ahead_is_refused_but_a_fact_is_kept(server, device_and_body):
    """A broken clock must not let one product edit win every later edit; a sale still counts."""
    from shared.hlc import pack, wall_ms_now

    pos, sale = device_and_body
    future = pack(wall_ms_now() + 3 * 24 * 3600 * 1000, 0)
    product = {
        "change_id": str(uuid.uuid4()), "device_seq": 2, "hlc": future,
        "created_at": sale["created_at"], "kind": "record", "entity": "product",
        "op": "upsert", "payload": {"id": str(uuid.uuid4()), "name": "Reloj roto", "price": 100},
    }
    late_sale = _with(sale, ("hlc",), future)
    response = _post(server, json.dumps({"changes": [late_sale, product]}), pos.device.credential)
    results = response.json()["results"]
    assert [(r["status"], r["code"]) for r in results] == [
        ("accepted", None), ("rejected", "clock_ahead")]
    assert server.admin("SELECT count(*) AS n FROM products WHERE name = 'Reloj roto'")[0]["n"] == 0


def test_the_server_reports_device_seq_gaps(server, device_and_body, small_catalog):
    """Numbers 2 and 3 never arrive (a damaged outbox): the answer says so, nothing is refused."""
    pos, sale = device_and_body
    from shared.catalog import starter_product_id
    from shared.hlc import HybridClock
    from tests.support.changes import movement

    clock = HybridClock()
    product = starter_product_id(small_catalog[0].barcode)
    bodies = [json.dumps(sale)] + [movement(seq, product, 1000, clock).model_dump_json()
                                   for seq in (4, 7)]
    answer = _post(server, '{"changes": [' + ",".join(bodies) + "]}", pos.device.credential).json()
    assert [r["status"] for r in answer["results"]] == ["accepted"] * 3
    assert answer["gaps"] == [[2, 3], [5, 6]]


def test_bad_pulls_are_refused(server, device_and_body):
    pos, _ = device_and_body
    auth = {"Authorization": f"Bearer {pos.device.credential}"}
    url = f"{server.url}/v1/sync/pull"
    cases = [
        (httpx.get(url, headers=auth), 400, "protocol_missing"),
        (httpx.get(url, headers={**auth, PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, params={"limit": 0}),
         422, "invalid_payload"),
        (httpx.get(url, headers={**auth, PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, params={"limit": 5000}),
         422, "invalid_payload"),
        (httpx.get(url, headers={**auth, PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, params={"cursor": -1}),
         422, "invalid_payload"),
        (httpx.get(url, headers={**auth, PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, params={"cursor": 10**9}),
         409, "cursor_ahead"),
        (httpx.get(url, headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}), 401, "auth_required"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code)


def test_an_expired_pairing_code_is_refused(server, shop):
    from sync_server.services import shops

    code = server.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
    server.admin("UPDATE pairing_codes SET expires_at = now() - interval '1 second'")
    response = httpx.post(f"{server.url}/v1/devices/pair", headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
                          json={"code": code.code, "device_name": "Caja tarde"})
    assert (response.status_code, response.json()["code"]) == (409, "pairing_code_invalid")
    assert server.admin("SELECT count(*) AS n FROM devices")[0]["n"] == 0
