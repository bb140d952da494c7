"""The rule bot hands what it does not understand to the shop's LLM assistant, end to end through
the real webhook, with the LLM provider a fake on loopback speaking OpenAI's format: the
verified owner's free question answered through a tool call; a stranger's free text never
reaches the LLM; the LLM down, the rules answer; a replayed or re-handled message calls the LLM
once and bills its tokens once; the owner told once, on WhatsApp, when the tokens run out."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from sync_server.billing.limits import token_plan
from sync_server.bot.flows import NOT_UNDERSTOOD
from sync_server.services import llm_config, whatsapp_setup
from sync_server.services.demo import create_demo_shop
from sync_server.services.integrations import Integrations
from sync_server.services.tokens import TokenMeter
from tests.support.fakes.graph import FakeGraph
from tests.support.fakes.llm import FakeLLM, call, fail, held, text
from tests.support.server import ServerHarness
from tests.support.wait import wait_until
from tests.support.whatsapp import SHOP_NUMBER_ID, message, post, settings_for, shop_owns_number, wait_handled

pytestmark = pytest.mark.e2e
MARY, LUPITA, STRANGER = "5215599990000", "5215512345678", "5215500001111"  # as Meta sends them
FREE_TEXT = "platícame cómo va el negocio"  # no intent the rules know, no product named


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    fake = FakeLLM().start()
    yield fake
    fake.stop()


@pytest.fixture
def server(database_url: str, graph: FakeGraph) -> Iterator[ServerHarness]:
    harness = ServerHarness(database_url, **settings_for(graph)).start()
    yield harness
    harness.stop()


@pytest.fixture
def shop(server: ServerHarness, llm: FakeLLM) -> uuid.UUID:
    """The demo shop on its own number, its LLM the fake, with a package of tokens bought."""
    tenant_id = server.call(create_demo_shop).tenant_id
    shop_owns_number(server, tenant_id)
    use_llm(server, tenant_id, llm)
    server.call(lambda pool: TokenMeter(pool, token_plan).credit_package(tenant_id, "cs_1", 1000))
    return tenant_id


def use_llm(server: ServerHarness, tenant_id: uuid.UUID, llm: FakeLLM) -> None:
    async def save(pool: Any) -> None:
        await llm_config.save(Integrations.from_settings(pool, server.settings), tenant_id,
                              {"provider": "openai", "model": "modelo-tienda",
                               "base_url": llm.url + "/v1"}, "sk-tienda-0000-1111")
    server.call(save)


def _to(wa_id: str) -> str:
    return "52" + wa_id[3:]


def _texts(graph: FakeGraph, wa_id: str) -> list[str]:
    return [b["text"]["body"] if b["type"] == "text" else b.get("interactive", {}).get(
        "body", {}).get("text", "") for b in (r.body for r in graph.sent()) if b.get("to") == _to(wa_id)]


def _ask(server: ServerHarness, graph: FakeGraph, said: str, wa_id: str, *,
         raw: bytes | None = None) -> str:
    before = len(_texts(graph, wa_id))
    post(server, raw or message(said, wa_id=wa_id, number=SHOP_NUMBER_ID))
    wait_handled(server)
    wait_until(lambda: len(_texts(graph, wa_id)) > before, timeout=15, what="the answer")
    return _texts(graph, wa_id)[-1]


def _owner_verified(server: ServerHarness, graph: FakeGraph, tenant_id: uuid.UUID) -> None:
    [owner] = server.admin("SELECT owner_id FROM owners WHERE tenant_id = $1", tenant_id)
    code = server.call(lambda pool: whatsapp_setup.owner_code(pool, tenant_id, owner["owner_id"]))
    assert "dueño" in _ask(server, graph, code.code, MARY)


def _customer_verified(server: ServerHarness, graph: FakeGraph, tenant_id: uuid.UUID) -> None:
    [row] = server.admin("SELECT customer_id FROM customers WHERE name = $1",
                         "Doña Lupita Hernández")
    code = server.call(lambda pool: whatsapp_setup.customer_code(pool, tenant_id,
                                                                 row["customer_id"]))
    assert "confirmado" in _ask(server, graph, code.code, LUPITA)


def _ledger(server: ServerHarness, tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    return [dict(r) for r in server.admin(
        "SELECT call_key, input_tokens, output_tokens FROM token_ledger "
        "WHERE tenant_id = $1 AND kind = 'usage' ORDER BY call_key", tenant_id)]


def test_the_owners_free_question_is_answered_by_the_llm_through_a_tool(server, graph, llm, shop):
    _owner_verified(server, graph, shop)
    llm.then(call("sales_summary", {"period": "hoy"}),
             text("Hoy vas bien, Mary: ya llevas ventas en caja."))
    answer = _ask(server, graph, FREE_TEXT, MARY)
    assert answer == "Hoy vas bien, Mary: ya llevas ventas en caja."
    first, second = llm.requests
    assert "sales_summary" in first.tool_names()  # the owner is offered the owner's tools
    assert first.body["messages"][-1] == {"role": "user", "content": FREE_TEXT}
    [result] = [m for m in second.body["messages"] if m.get("role") == "tool"]
    assert result["content"].startswith("<datos>")  # the tool's answer, quoted as data
    [audit] = server.admin("SELECT channel, outcome FROM tool_calls WHERE tenant_id = $1 "
                           "AND tool = 'sales_summary'", shop)
    assert (audit["channel"], audit["outcome"]) == ("asistente", "ok")
    assert len(_ledger(server, shop)) == 2  # two rounds, each charged
    [handled] = server.admin("SELECT outcome FROM whatsapp_inbox WHERE body::text LIKE $1",
                             f"%{FREE_TEXT[:10]}%")
    assert handled["outcome"].endswith("; llm")


def test_a_slow_llm_answer_holds_up_nobody_else_and_its_persons_next_message_waits(
        server, graph, llm, shop):
    _owner_verified(server, graph, shop)
    gate = threading.Event()
    llm.then(held("Hoy vas bien, Mary.", gate))
    before = len(_texts(graph, MARY))
    post(server, message(FREE_TEXT, wa_id=MARY, number=SHOP_NUMBER_ID))
    try:
        wait_until(lambda: llm.requests, timeout=15, what="the owner's question at the LLM")
        post(server, message("hola", wa_id=MARY, number=SHOP_NUMBER_ID))
        # Another person's message, answered by the rules while the LLM still thinks (well
        # before the assistant's 15 s call timeout would give Mary the rules' answer).
        post(server, message(FREE_TEXT, wa_id=STRANGER, number=SHOP_NUMBER_ID))
        wait_until(lambda: _texts(graph, STRANGER), timeout=10, what="the stranger's answer")
        assert _texts(graph, STRANGER) == [NOT_UNDERSTOOD]
        assert len(_texts(graph, MARY)) == before  # her "hola" waits for her first answer
    finally:
        gate.set()
    wait_handled(server)
    wait_until(lambda: len(_texts(graph, MARY)) >= before + 2, timeout=15, what="Mary's answers")
    first, second = _texts(graph, MARY)[before:]
    assert first == "Hoy vas bien, Mary."
    assert second != first  # her "hola", answered after, by the rules
    assert len(llm.requests) == 1


def test_a_verified_customer_is_handed_over_with_the_customers_tools_only(server, graph, llm, shop):
    _customer_verified(server, graph, shop)
    llm.then(text("¡Claro! ¿Qué necesitas?"))
    assert _ask(server, graph, FREE_TEXT, LUPITA) == "¡Claro! ¿Qué necesitas?"
    offered = llm.last.tool_names()
    assert "search_products" in offered
    assert "create_order" in offered
    assert not {"sales_summary", "debtors_by_age", "last_corte"} & set(offered)


def test_a_strangers_free_text_never_reaches_the_llm(server, graph, llm, shop):
    assert _ask(server, graph, FREE_TEXT, STRANGER) == NOT_UNDERSTOOD
    assert llm.requests == []
    assert _ledger(server, shop) == []


def test_the_llm_down_the_rules_answer(server, graph, llm, shop):
    _owner_verified(server, graph, shop)
    llm.then(fail(500))
    assert _ask(server, graph, FREE_TEXT, MARY) == NOT_UNDERSTOOD
    assert len(llm.requests) == 1  # asked once (no retries), then the rules
    llm.then(fail(429))
    assert _ask(server, graph, "¿y eso por qué?", MARY) == NOT_UNDERSTOOD
    assert _ledger(server, shop) == []  # failed calls bill nothing


def test_a_replayed_or_rehandled_message_calls_the_llm_once_and_bills_once(server, graph, llm, shop):
    _owner_verified(server, graph, shop)
    llm.then(text("Todo en orden."))
    raw = message(FREE_TEXT, wa_id=MARY, number=SHOP_NUMBER_ID, wamid="wamid.HANDOVER1")
    assert _ask(server, graph, "", MARY, raw=raw) == "Todo en orden."
    billed = _ledger(server, shop)
    assert len(billed) == 1
    # Meta's retry of the same delivery: stored once, answered once, the LLM not asked again.
    assert post(server, raw).status_code == 200
    wait_handled(server)
    # The same message in another delivery (another envelope, same wamid): a duplicate.
    again = raw.replace(b'"102290129340398"', b'"102290129340399"')
    assert post(server, again).status_code == 200
    wait_handled(server)
    assert len(llm.requests) == 1
    assert _texts(graph, MARY).count("Todo en orden.") == 1
    # A crash after the LLM answered, before the answer was stored (its transaction rolled
    # back): the event is worked again; the LLM is asked again, the call is not billed again.
    server.admin("DELETE FROM outbound_messages WHERE tenant_id = $1 AND body = 'Todo en orden.'",
                 shop)
    server.admin("DELETE FROM wa_messages WHERE message_id = 'wamid.HANDOVER1'")
    server.admin("UPDATE whatsapp_inbox SET handled_at = NULL, claimed_at = NULL "
                 "WHERE event_key LIKE '%HANDOVER1%'")
    llm.then(text("Todo en orden."))
    wait_until(lambda: len(llm.requests) == 2, timeout=15, what="the message handled again")
    wait_handled(server)
    assert _ledger(server, shop) == billed


def test_the_owner_is_told_once_on_whatsapp_when_the_tokens_run_out(server, graph, llm):
    tenant_id = server.call(create_demo_shop).tenant_id
    shop_owns_number(server, tenant_id)  # a plan with the bot: its month's tokens spent below
    meter = server.app.state.billing.meter
    left = server.call(lambda _: meter.balance(tenant_id)).left
    server.call(lambda _: meter.charge(tenant_id, "el-mes-gastado", "openai", "gpt-4o-mini",
                                       left * meter.per_token, 0))
    assert server.call(lambda _: meter.balance(tenant_id)).left == 0
    use_llm(server, tenant_id, llm)
    _owner_verified(server, graph, tenant_id)
    _customer_verified(server, graph, tenant_id)
    assert _ask(server, graph, FREE_TEXT, LUPITA) == NOT_UNDERSTOOD
    wait_until(lambda: any("tokens" in t for t in _texts(graph, MARY)), timeout=15,
               what="the owner's notice")
    assert _ask(server, graph, "¿y eso por qué?", LUPITA) == NOT_UNDERSTOOD
    assert _ask(server, graph, FREE_TEXT, MARY) == NOT_UNDERSTOOD
    told = [t for t in _texts(graph, MARY) if "Se acabaron los tokens" in t]
    assert len(told) == 1
    assert llm.requests == []  # no tokens: the LLM is never asked
    [kind] = server.admin("SELECT DISTINCT kind FROM outbound_messages WHERE body LIKE $1",
                          "Se acabaron los tokens%")
    assert kind["kind"] == "owner_notice"
