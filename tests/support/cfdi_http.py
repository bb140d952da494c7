"""Invoicing over HTTP, as the owner's app and a till drive it: set the shop up (fiscal data,
CSD, the fake PAC), pair a till, push its sales. For tests on a real server on loopback; the
fixtures below (a CSD, the fake PAC, such a server) are shared by invoicing tests."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import httpx
import pytest

from pos_client.services.till import Till
from pos_client.ui.context import AppContext
from pos_client.ui.worker import Worker
from shared.sync.envelopes import Change
from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.support.client import PosDevice, pair
from tests.support.fakes.csd import MadeCsd, make_csd
from tests.support.fakes.pac import FakePac
from tests.support.server import ServerHarness
from tests.support.wire_changes import TillChanges

HEADERS = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


def owner_setup(server: ServerHarness, csd: MadeCsd, pac: FakePac) -> tuple[httpx.Client, str]:
    """An owner signs up and sets invoicing up (refusals checked on the way); their client."""
    api = httpx.Client(base_url=server.url, headers=HEADERS, timeout=30)
    r = api.post("/v1/owners/signup", json={"shop_name": "Abarrotes", "owner_name": "María",
                                           "email": "maria@example.mx",
                                           "password": "tamales-de-rajas-2026"})
    assert r.status_code == 201, r.text
    api.headers["Authorization"] = f"Bearer {r.json()['token']}"
    bad = api.put("/v1/cfdi/profile", json={"rfc": "EKU9003173C8", "name": csd.name,
                                            "regime": "601", "postal_code": "76028"})
    assert (bad.status_code, bad.json()["code"]) == (409, "invalid_rfc")
    assert api.put("/v1/cfdi/profile", json={"rfc": csd.rfc, "name": csd.name, "regime": "601",
                                             "postal_code": "76028"}).status_code == 200
    wrong = api.put("/v1/cfdi/csd", json={"certificate": base64.b64encode(csd.certificate).decode(),
                                          "key": base64.b64encode(csd.key).decode(),
                                          "password": "otra"})
    assert wrong.json()["code"] == "csd_wrong_password"
    r = api.put("/v1/cfdi/csd", json={"certificate": base64.b64encode(csd.certificate).decode(),
                                      "key": base64.b64encode(csd.key).decode(),
                                      "password": csd.password})
    assert r.status_code == 200, r.text
    r = api.put("/v1/cfdi/pac", json={"username": pac.username, "password": pac.password,
                                      "host": pac.url})
    setup = r.json()
    assert setup["csd"]["rfc"] == csd.rfc
    assert setup["csd"]["number"] == "30001000000500003416"
    assert pac.password not in r.text
    assert csd.password not in r.text
    assert "key" not in setup["csd"]
    return api, r.json()["profile"]["rfc"]


def till_client(server: ServerHarness, api: httpx.Client) -> tuple[httpx.Client, TillChanges]:
    """A new till paired with a code from the owner's API, and its changes' builder."""
    code = api.post("/v1/pairing-codes").json()["code"]
    paired = httpx.post(f"{server.url}/v1/devices/pair", headers=HEADERS,
                        json={"code": code, "device_name": "Caja 1"}).json()
    till = httpx.Client(base_url=server.url, timeout=30, headers={
        **HEADERS, "Authorization": f"Bearer {paired['credential']}"})
    return till, TillChanges(paired["device_code"])


def push(till: httpx.Client, *changes: Change) -> None:
    r = till.post("/v1/sync/push", json={"changes": [c.model_dump(mode="json") for c in changes]})
    assert r.status_code == 200, r.text
    assert {x["status"] for x in r.json()["results"]} == {"accepted"}


# ---- fixtures (import them into a test module or conftest) ------------------------------------

@pytest.fixture(scope="session")
def csd() -> MadeCsd:
    """A self-made CSD for SAT's test RFC, made once per run (never committed)."""
    return make_csd()


@pytest.fixture
def fake_pac() -> Iterator[FakePac]:
    pac = FakePac().start()
    yield pac
    pac.stop()


@pytest.fixture
def cfdi_server(database_url: str) -> Iterator[ServerHarness]:
    """A real server on loopback that may talk to the fake PAC, with short deadlines."""
    harness = ServerHarness(database_url, cfdi_allow_pac_host=True, cfdi_pac_timeout_s=3.0,
                            cfdi_stamp_wait_s=10.0).start()
    yield harness
    harness.stop()


@pytest.fixture
def cfdi_till(cfdi_server: ServerHarness, csd: MadeCsd, fake_pac: FakePac,
              new_device: Callable[[str], PosDevice]
              ) -> Iterator[tuple[AppContext, TillChanges, httpx.Client]]:
    """A till paired with a shop set up for invoicing: its screens' context, its changes'
    builder, and the owner's API client."""
    api, _ = owner_setup(cfdi_server, csd, fake_pac)
    pos = new_device("caja")
    pair(pos, cfdi_server.url, api.post("/v1/pairing-codes").json()["code"], "Caja 1")
    ctx = AppContext(Till(pos.db, pos.device), Worker())
    yield ctx, TillChanges(pos.device.code), api
    ctx.worker.shutdown()


def pusher(server: ServerHarness, ctx: AppContext) -> httpx.Client:
    """The till's own HTTP client (its credential), to push sales as its sync would."""
    return httpx.Client(base_url=server.url, timeout=30, headers={
        **HEADERS, "Authorization": f"Bearer {ctx.till.device.credential}"})
