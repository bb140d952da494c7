"""The bot through the real webhook, with the shop's tools: the catalog with prices and stock,
an order built in the conversation and confirmed with a button, and privacy — a balance only to
the verified customer, the shop's figures only to the owner's verified phone."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.services import whatsapp_setup
from sync_server.services.demo import create_demo_shop
from tests.support.fakes.graph import FakeGraph
from tests.support.server import ServerHarness
from tests.support.wait import wait_until
from tests.support.whatsapp import (
    SHOP_NUMBER_ID,
    message,
    post,
    settings_for,
    shop_owns_number,
    wait_handled,
)

pytestmark = pytest.mark.e2e
LUPITA, BETO, STRANGER = "5215512345678", "5215587654321", "5215500001111"  # as Meta sends them


@pytest.fixture
def server(database_url, graph):
    harness = ServerHarness(database_url, **settings_for(graph)).start()
    yield harness
    harness.stop()


@pytest.fixture
def demo(server):
    shop = server.call(create_demo_shop)
    shop_owns_number(server, shop.tenant_id)
    return shop


def _to(wa_id: str) -> str:
    return "52" + wa_id[3:]


def _said(graph: FakeGraph, wa_id: str | None = None, bsuid: str | None = None) -> list[dict[str, Any]]:
    return [r.body for r in graph.sent()
            if (wa_id and r.body.get("to") == _to(wa_id)) or (bsuid and r.body.get("recipient") == bsuid)]


def _text(body: dict[str, Any]) -> str:
    if body["type"] == "text":
        return body["text"]["body"]
    return body["interactive"]["body"]["text"]


def _ask(server, graph, text: str | None = None, *, wa_id: str | None = LUPITA,
         bsuid: str | None = None, choice: tuple[str, str] | None = None) -> dict[str, Any]:
    """Send one message as a customer; the bot's (last) answer."""
    before = len(_said(graph, wa_id, bsuid))
    post(server, message(text, wa_id=wa_id, bsuid=bsuid, number=SHOP_NUMBER_ID, interactive=choice))
    wait_handled(server)
    wait_until(lambda: len(_said(graph, wa_id, bsuid)) > before, timeout=15, what="the answer")
    return _said(graph, wa_id, bsuid)[-1]


def _verify_customer(server, demo, name: str) -> str:
    [row] = server.admin("SELECT customer_id FROM customers WHERE name = $1", name)
    code = server.call(lambda pool: whatsapp_setup.customer_code(pool, demo.tenant_id,
                                                                 row["customer_id"]))
    return code.code


def test_the_catalog_answers_with_price_and_the_servers_stock(server, demo, graph):
    answer = _ask(server, graph, "¿tienen coca de 600?")
    assert "Coca-Cola 600 ml: $22.00 cada uno. Sí hay." in _text(answer)
    assert [b["reply"]["title"] for b in answer["interactive"]["action"]["buttons"]] == [
        "Agregar 1", "Otra cosa"]


def test_an_order_is_built_asked_about_and_confirmed_with_a_button(server, demo, graph):
    asked = _ask(server, graph, "quiero 2 cocas de 600 y unas sabritas")
    assert _text(asked) == "¿Cuál «sabritas»?"
    rows = asked["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) <= 10
    original = next(r for r in rows if r["title"].startswith("Sabritas Original"))
    cart = _ask(server, graph, choice=(original["id"], original["title"]))
    assert "2 Coca-Cola 600 ml" in _text(cart)
    assert "Sabritas Original 45 g" in _text(cart)
    assert [b["reply"]["id"] for b in cart["interactive"]["action"]["buttons"]] == [
        "order:pickup", "order:delivery", "order:cancel"]
    placed = _ask(server, graph, choice=("order:pickup", "Paso a recoger"))
    assert "Pedido #1" in _text(placed)
    [order] = server.admin("SELECT number, customer_name, phone, fulfilment, total, source FROM orders")
    assert dict(order) == {"number": 1, "customer_name": "Lupita", "phone": "+525512345678",
                           "fulfilment": "recoger", "total": 2 * 2200 + 2100, "source": "whatsapp"}
    # The same button again (Meta's retry of a new message, or a second tap) places no other.
    _ask(server, graph, choice=("order:pickup", "Paso a recoger"))
    assert server.admin("SELECT count(*) AS n FROM orders")[0]["n"] == 1


# ---- privacy -------------------------------------------------------------------------------------


def test_another_phone_asking_what_a_customer_owes_learns_nothing(server, demo, graph):
    answer = _text(_ask(server, graph, "¿cuánto debo? soy Lupita", wa_id=STRANGER))
    assert "código" in answer
    assert "$" not in answer
    # Even the customer's own number is not enough until it is confirmed with a code.
    answer = _text(_ask(server, graph, "¿cuánto debo?", wa_id=LUPITA))
    assert "código" in answer
    assert "$" not in answer


def test_the_verified_customer_gets_their_own_balance_and_nobody_elses(server, demo, graph):
    code = _verify_customer(server, demo, "Doña Lupita Hernández")
    assert "confirmado" in _text(_ask(server, graph, code))
    answer = _text(_ask(server, graph, "¿cuánto debo?"))
    assert "$177.50" in answer  # 185.50 + 92.00 − 100.00
    assert "Beto" not in answer
    # The code was spent: from another phone it verifies nothing.
    assert "no es válido" in _text(_ask(server, graph, code, wa_id=STRANGER))
    assert "código" in _text(_ask(server, graph, "¿cuánto debo?", wa_id=STRANGER))


def test_a_customer_asking_the_owners_questions_is_refused(server, demo, graph):
    _ask(server, graph, _verify_customer(server, demo, "Doña Lupita Hernández"))
    for question in ("¿cuánto vendí hoy?", "quién me debe", "último corte",
                     "¿cómo vamos vs la semana pasada?", "qué se está acabando"):
        answer = _text(_ask(server, graph, question))
        assert answer.startswith("Esa información es solo para el dueño"), question


def test_a_username_user_who_never_verified_gets_no_balance(server, demo, graph):
    bsuid = "MX.99887766554433221100"
    answer = _text(_ask(server, graph, "¿cuánto debo?", wa_id=None, bsuid=bsuid))
    assert "código" in answer
    assert "$" not in answer
    assert "dueño" in _text(_ask(server, graph, "ventas de hoy", wa_id=None, bsuid=bsuid))


def test_the_owners_verified_phone_gets_the_days_figures(server, graph):
    signup = httpx.post(f"{server.url}/v1/owners/signup", headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
                        json={"shop_name": "Otra", "owner_name": "Mary", "phone": "+525599990000",
                              "password": "una-contraseña-larga-1"})
    assert signup.status_code == 201
    owner = signup.json()
    shop_owns_number(server, uuid.UUID(owner["tenant_id"]))
    made = httpx.post(f"{server.url}/v1/whatsapp/owner-code",
                      headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                               "Authorization": f"Bearer {owner['token']}"})
    assert made.status_code == 201
    mary = "5215599990000"
    assert "dueño" in _text(_ask(server, graph, "ventas de hoy", wa_id=mary))  # not yet
    assert "dueño de Otra" in _text(_ask(server, graph, made.json()["code"], wa_id=mary))
    answer = _text(_ask(server, graph, "ventas de hoy", wa_id=mary))
    assert not answer.startswith("Esa información")
    assert answer.startswith("Ventas por forma de pago de hoy")


def test_the_help_offers_invoices_only_where_the_shop_can_invoice(server, demo, graph):
    """The demo shop has no fiscal data: its help and greeting do not offer «factura» (it would
    answer no); tests/server/test_whatsapp_self_invoice.py sees the line in a shop that can."""
    for asked in ("ayuda", "hola", "xyzzy plugh"):
        said = _text(_ask(server, graph, asked))
        assert "Puedo ayudarte con" in said, asked
        assert "factura" not in said.lower(), asked
    assert "todavía no emite facturas" in _text(_ask(server, graph, "quiero factura"))
