"""Finding 2, 6 and 7: throttles hold under bursts, per address and per account, sign-ups
included, and a forwarded address counts only when a configured proxy sent it."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from ipaddress import ip_network

import pytest
from starlette.requests import Request

from sync_server.api.limits import client_address
from tests.server.owner_api import PASSWORD, client, sign_up
from tests.support.process_server import ProcessServer
from tests.support.server import ServerHarness

pytestmark = pytest.mark.e2e

WRONG = {"login": "dona.mary@example.mx", "password": "no-es-la-clave"}


def test_forty_wrong_passwords_at_once_get_exactly_the_allowed_tries(server):
    with client(server.url) as api:
        sign_up(api)

    def guess(_: int) -> int:
        with client(server.url) as own:
            return own.post("/v1/owners/login", json=WRONG).status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = Counter(pool.map(guess, range(40)))
    allowed = server.settings.auth_failures_allowed
    assert answers == {401: allowed, 429: 40 - allowed}


def test_an_account_is_throttled_whichever_address_guesses(database_url):
    harness = ServerHarness(database_url, trusted_proxies="127.0.0.1").start()
    try:
        with client(harness.url) as api:
            sign_up(api)
            for i in range(harness.settings.account_failures_allowed):
                r = api.post("/v1/owners/login", json=WRONG,
                             headers={"X-Forwarded-For": f"203.0.113.{i}"})
                assert r.status_code == 401
            r = api.post("/v1/owners/login", headers={"X-Forwarded-For": "198.51.100.7"},
                         json={"login": "dona.mary@example.mx", "password": PASSWORD})
            assert (r.status_code, r.json()["code"]) == (429, "too_many_attempts")
            other = api.post("/v1/owners/login", headers={"X-Forwarded-For": "198.51.100.7"},
                             json={"login": "nadie@example.mx", "password": "x"})
            assert other.status_code == 401  # that address and other accounts are not blocked
    finally:
        harness.stop()


def test_a_right_password_takes_its_attempt_back(server):
    with client(server.url) as api:
        sign_up(api)
        for _ in range(server.settings.auth_failures_allowed * 2):
            r = api.post("/v1/owners/login",
                         json={"login": "dona.mary@example.mx", "password": PASSWORD})
            assert r.status_code == 200


def test_sign_ups_from_one_address_are_throttled(server):
    allowed = server.settings.signups_allowed
    with client(server.url) as api:
        for i in range(allowed):
            sign_up(api, email=f"tienda{i}@example.mx", shop=f"Tienda {i}")
        r = api.post("/v1/owners/signup", json={
            "shop_name": "Una más", "owner_name": "X", "email": "otra@example.mx",
            "password": PASSWORD})
    assert (r.status_code, r.json()["code"]) == (429, "too_many_attempts")


@pytest.mark.slow
def test_a_forwarded_address_is_ignored_unless_a_trusted_proxy_sent_it(database_url):
    """The server as it is run (``python -m sync_server serve``), with no proxy configured: a
    client behind a made-up X-Forwarded-For is still the one address it connects from."""
    proc = ProcessServer(database_url).start()
    try:
        with client(proc.url) as api:
            sign_up(api)
            answers = [api.post("/v1/owners/login", json={**WRONG, "login": f"x{i}@example.mx"},
                                headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                       for i in range(11)]
    finally:
        proc.stop()
    assert answers == [401] * 10 + [429]


@pytest.mark.parametrize(("peer_trusted", "forwarded", "expected"), [
    (False, "203.0.113.9", "127.0.0.1"),
    (True, "203.0.113.9", "203.0.113.9"),
    (True, "198.51.100.1, 203.0.113.9, 127.0.0.1", "203.0.113.9"),
    (True, "not-an-address", "127.0.0.1"),
])
def test_which_address_the_throttles_count(peer_trusted, forwarded, expected):
    scope = {"type": "http", "client": ("127.0.0.1", 5000),
             "headers": [(b"x-forwarded-for", forwarded.encode())]}
    trusted = [ip_network("127.0.0.0/8")] if peer_trusted else []
    assert client_address(Request(scope), trusted) == expected


def test_one_ipv6_subscriber_counts_as_one_address(database_url):
    """An IPv6 subscriber gets a whole /64 (2^64 addresses): counted one address each, it
    could guess pairing codes and sign up without end. A /64 counts as one address."""
    harness = ServerHarness(database_url, trusted_proxies="127.0.0.1").start()
    try:
        with client(harness.url) as api:
            answers = [api.post("/v1/devices/pair", json={"code": "NOPENOPE", "device_name": "C"},
                                headers={"X-Forwarded-For": f"2001:db8:5:7::{i:x}"}).status_code
                       for i in range(harness.settings.auth_failures_allowed + 1)]
            neighbour = api.post("/v1/devices/pair", json={"code": "NOPENOPE", "device_name": "C"},
                                 headers={"X-Forwarded-For": "2001:db8:5:8::1"})
            mapped = [api.post("/v1/devices/pair", json={"code": "NOPENOPE", "device_name": "C"},
                               headers={"X-Forwarded-For": address}).status_code
                      for address in ["198.51.100.4"] * 10 + ["::ffff:198.51.100.4"]]
    finally:
        harness.stop()
    assert answers == [409] * harness.settings.auth_failures_allowed + [429]
    assert neighbour.status_code == 409  # the next /64 is someone else
    assert mapped == [409] * 10 + [429]  # an IPv4 address written as IPv6 is the same address


def test_strangers_cannot_lock_the_owner_out_of_an_address_they_logged_in_from(database_url):
    """Ten wrong passwords from anywhere close an account for ten minutes: anyone who knows
    the owner's phone could keep them out for good. From an address the owner logged in from
    lately, only that address's own failures count; strangers' addresses stay closed."""
    harness = ServerHarness(database_url, trusted_proxies="127.0.0.1").start()
    right = {"login": "dona.mary@example.mx", "password": PASSWORD}
    try:
        with client(harness.url) as api:
            sign_up(api)
            shop = {"X-Forwarded-For": "198.51.100.20"}
            assert api.post("/v1/owners/login", json=right, headers=shop).status_code == 200
            for i in range(harness.settings.account_failures_allowed):
                api.post("/v1/owners/login", json=WRONG,
                         headers={"X-Forwarded-For": f"203.0.113.{i}"})
            stranger = api.post("/v1/owners/login", json=right,
                                headers={"X-Forwarded-For": "192.0.2.50"})
            owner = api.post("/v1/owners/login", json=right, headers=shop)
    finally:
        harness.stop()
    assert (stranger.status_code, stranger.json()["code"]) == (429, "too_many_attempts")
    assert owner.status_code == 200, owner.text
