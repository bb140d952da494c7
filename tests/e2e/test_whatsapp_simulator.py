"""The demo's WhatsApp simulator: with no Meta account, a person plays the customer on a page
served by the server and reads the bot's answers, through the real webhook and sender."""

from __future__ import annotations

import httpx
import pytest

from sync_server.services.demo import create_demo_shop
from tests.support.server import ServerHarness
from tests.support.wait import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(database_url):
    harness = ServerHarness(database_url, whatsapp_simulator=True)
    harness.settings = harness.settings.model_copy(update={"port": harness.port})
    harness.start()
    yield harness
    harness.stop()


def _transcript(server: ServerHarness, phone: str) -> list[dict]:
    return httpx.get(f"{server.url}/simulador/messages", params={"phone": phone}).json()


def test_a_customer_chats_with_the_demo_shop_on_the_simulator(server):
    server.call(create_demo_shop)
    page = httpx.get(f"{server.url}/simulador")
    assert page.status_code == 200
    assert "Simulador de WhatsApp" in page.text
    said = httpx.post(f"{server.url}/simulador/messages",
                      json={"phone": "55 1234 5678", "text": "Hola, tienda ESPERANZA"})
    assert said.status_code == 202
    wait_until(lambda: any(m["direction"] == "out" for m in _transcript(server, "5512345678")),
               timeout=15, what="the bot's answer on the simulator")
    lines = _transcript(server, "+525512345678")
    assert lines[0]["direction"] == "in"
    assert lines[0]["text"] == "Hola, tienda ESPERANZA"
    assert "Abarrotes La Esperanza" in lines[1]["text"]


def test_without_the_simulator_there_is_no_page(database_url):
    harness = ServerHarness(database_url).start()
    try:
        assert httpx.get(f"{harness.url}/simulador").status_code == 404
    finally:
        harness.stop()
