"""The owner sets the shop's LLM provider over the API, sees it masked, and "prueba" it against
the (fake) provider; a bad key is told apart from a down provider."""

from __future__ import annotations

import httpx
import pytest

from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.support.fakes.llm import fail, text
from tests.support.server import ServerHarness

pytestmark = pytest.mark.e2e


@pytest.fixture
def owner(database_url):
    harness = ServerHarness(database_url).start()
    client = httpx.Client(base_url=harness.url, headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)})
    r = client.post("/v1/owners/signup", json={"shop_name": "Tienda", "owner_name": "María",
                                               "email": "mary@example.mx",
                                               "password": "tamales-2026-xyz"})
    client.headers["Authorization"] = f"Bearer {r.json()['token']}"
    yield client
    client.close()
    harness.stop()


def test_set_see_masked_and_probe(owner, fake_llm):
    assert owner.get("/v1/owner/llm").json() is None
    assert owner.post("/v1/owner/llm/test").json()["code"] == "not_configured"
    bad = owner.put("/v1/owner/llm", json={"provider": "openai", "model": "gpt-4o-mini"})
    assert bad.status_code == 409
    assert bad.json()["code"] == "llm_config_invalid"
    saved = owner.put("/v1/owner/llm", json={
        "provider": "openai", "model": "gpt-4o-mini", "base_url": fake_llm.url + "/v1",
        "api_key": "sk-la-llave-de-la-tienda-9f3c"}).json()
    assert saved["secrets"] == {"api_key": "••••9f3c"}
    assert "sk-la-llave" not in owner.get("/v1/owner/llm").text
    fake_llm.then(text("listo", usage=(12, 1)), fail(401), fail(500))
    ok = owner.post("/v1/owner/llm/test").json()
    assert ok["ok"] is True
    assert ok["model"] == "gpt-4o-mini"
    assert fake_llm.last.headers["authorization"] == "Bearer sk-la-llave-de-la-tienda-9f3c"
    assert owner.post("/v1/owner/llm/test").json()["code"] == "invalid_key"
    assert owner.post("/v1/owner/llm/test").json()["code"] == "server_error"
    # The model changes; the key is kept without being typed again.
    assert owner.put("/v1/owner/llm", json={"provider": "openai", "model": "gpt-4.1-mini",
                                            "base_url": fake_llm.url + "/v1"}).status_code == 200
    fake_llm.then(text("listo"))
    assert owner.post("/v1/owner/llm/test").json()["ok"] is True
    assert fake_llm.last.body["model"] == "gpt-4.1-mini"
    tokens = owner.get("/v1/owner/tokens").json()
    assert tokens["calls"] == 2  # the two probes that got an answer, metered like any call
    assert owner.delete("/v1/owner/llm").status_code == 204
    assert owner.get("/v1/owner/llm").json() is None
