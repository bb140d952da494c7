"""The demo's WhatsApp simulator: with no Meta account, a person plays the customer on a page
served by the server and reads the bot's answers, through the real webhook and sender."""

from __future__ import annotations

from functools import partial

import httpx
import pytest

from sync_server.services.demo import create_demo_shop
from tests.support import cfdi_http
from tests.support.cfdi import Item, sale, shop_invoices
from tests.support.server import ServerHarness
from tests.support.wait import wait_until

pytestmark = pytest.mark.e2e
csd, fake_pac = cfdi_http.csd, cfdi_http.fake_pac


@pytest.fixture
def server(database_url):
    harness = ServerHarness(database_url, whatsapp_simulator=True, cfdi_allow_pac_host=True,
                            cfdi_stamp_wait_s=8.0)
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


def _answered(server: ServerHarness, answer: str, after: int) -> bool:
    return any(answer in m["text"] for m in _transcript(server, "+525512345678")[after:])


def test_a_customer_invoices_a_demo_ticket_on_the_simulator(server, csd, fake_pac):
    """The demo shop as ./bin/demo sets it up (SAT's test RFC, a self-made CSD, the stand-in
    PAC): the whole self-invoicing chat, and the stamped invoice arrives as a document."""
    demo = server.call(create_demo_shop)
    shop = server.call(lambda pool: shop_invoices(pool, server.settings, demo.tenant_id, csd,
                                                  fake_pac,
                                                  integrations=server.app.state.integrations))
    ticket = sale(shop.till, [Item("Coca-Cola 600 ml", 2200, 2000)])
    server.call(lambda _: shop.push(ticket))
    folio = ticket.payload.folio  # type: ignore[attr-defined]
    for text, answer in [("Hola, tienda ESPERANZA", "Abarrotes La Esperanza"),
                         ("quiero factura", "folio y el total"),
                         (f"folio {folio} total 44", "Escribe tu RFC"),
                         ("XOJI740919U48", "razón social"), ("Ingrid Xodar Jiménez", "postal"),
                         ("76028", "612 Personas Físicas"), ("612", "G03 Gastos en general"),
                         ("G03", "¿Confirmas?"), ("sí", "timbrada")]:
        before = len(_transcript(server, "+525512345678"))
        assert httpx.post(f"{server.url}/simulador/messages",
                          json={"phone": "55 1234 5678", "text": text}).status_code == 202
        wait_until(partial(_answered, server, answer, before), timeout=20,
                   what=f"«{answer}» after «{text}»")
    wait_until(lambda: any(m["text"] == "[documento factura-F-1.pdf]"
                           for m in _transcript(server, "+525512345678")),
               timeout=20, what="the invoice as a document on the simulator")


def test_without_the_simulator_there_is_no_page(database_url):
    harness = ServerHarness(database_url).start()
    try:
        assert httpx.get(f"{harness.url}/simulador").status_code == 404
    finally:
        harness.stop()
