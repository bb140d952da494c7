"""Parity: for every tool, each way of calling it (directly, through MCP, through the assistant's
step for an LLM's tool call, through the WhatsApp rule bot's) runs the same function and gets
the same answer; the audit shows each path went through the one call path. Paths live in
tests/support/tool_paths.py. And the rule bot's intents answer in the tools' own words."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from sync_server.bot.assistant import write_key
from sync_server.bot.conversation import Turn
from sync_server.bot.flows import OWNER_TOOLS, ShopBrain
from sync_server.bot.shop_tools import ShopTools, caller_for
from sync_server.integrations.whatsapp_webhook import Inbound, Person
from sync_server.repositories import tool_calls
from sync_server.repositories.wa_contacts import Contact
from sync_server.tools.base import CallerRole
from sync_server.tools.calls import call_tool
from sync_server.tools.registry import TOOLS
from tests.server.tools.conftest import NOW
from tests.server.tools.scenario import one_morning
from tests.support.tool_paths import PATHS

pytestmark = pytest.mark.anyio

CHANNELS = {"directo": "prueba", "mcp": "mcp", "asistente": "asistente", "bot": "whatsapp"}


def _samples(shop: Any, lupita: str) -> dict[str, dict[str, Any]]:
    coca = str(shop.product_id("Coca-Cola 600"))
    period = {"period": "hoy"}
    return {
        "search_products": {"query": "coca"}, "price_and_stock": {"query": "coca 600"},
        "product_detail": {"product_id": coca}, "low_stock": {}, "reorder_suggestions": {},
        "sales_summary": period, "sales_by_day": {"period": "ultimos_7_dias"},
        "sales_by_hour": period, "sales_by_department": period, "sales_by_payment": period,
        "top_products": period, "gross_margin": period, "customers_and_balances": {},
        "customer_statement": {"customer_id": lupita}, "debtors_by_age": {}, "last_corte": {},
        "cash_differences": {}, "orders_by_status": {}, "shop_info": {}, "devices_status": {},
        "plan_and_tokens": {}, "invoices_summary": {},
        "create_order": {"customer_id": lupita, "items": [{"product_id": coca, "quantity": 2}]},
        "update_order_status": {"number": 1, "status": "aceptado"},
        "register_customer": {"name": "Rosa Martínez", "phone": "5511223344"},
        "set_price": {"product_id": coca, "price": "23.00"},
        "send_statement": {"customer_id": lupita},
    }


async def test_every_tool_answers_the_same_by_every_path(shop):
    m = await one_morning(shop)
    samples = _samples(shop, str(m.lupita))
    assert set(samples) == set(TOOLS), "a new tool needs its sample here"
    # update_order_status needs an order #1 first.
    order = [n for n in samples if n == "create_order"] + [n for n in samples if n != "create_order"]
    for name in order:
        args = dict(samples[name])
        if TOOLS[name].write:  # the assistant makes its own key; the others use the same one
            args["idempotency_key"] = write_key("mensaje-1", name, args)
        answers = {}
        for path, run in PATHS.items():
            caller = shop.caller(CallerRole.OWNER, write=True, channel=CHANNELS[path])
            answers[path] = await run(shop, caller, name, args)
        first = answers["directo"]
        assert first["summary"], name
        for path, answer in answers.items():
            assert answer == first, f"{name}: {path} disagrees"
    async with shop.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(shop.tenant_id))
        audit = await tool_calls.recent(conn, shop.tenant_id, 500)
    for name in TOOLS:
        assert {r.channel for r in audit if r.tool == name} == set(CHANNELS.values()), name


async def test_the_rule_bots_intents_answer_with_the_tools_own_summary(shop):
    """What the rule bot says to the owner's and a customer's questions is the tool's summary,
    the same words the MCP and assistant paths carry (they share the function: above)."""
    m = await one_morning(shop)
    owner = _contact(owner_id=uuid.uuid4())
    asked = {"¿cuánto vendí hoy?": ("sales_by_payment", OWNER_TOOLS["ventas_hoy"][1], owner),
             "qué se está acabando": ("low_stock", OWNER_TOOLS["bajo_inventario"][1], owner),
             "quién me debe": ("debtors_by_age", OWNER_TOOLS["deudores"][1], owner),
             "último corte": ("last_corte", {}, owner),
             "¿cómo vamos vs la semana pasada?": ("sales_summary", {"period": "esta_semana"}, owner),
             "¿cuántas facturas llevo?": ("invoices_summary", {"period": "este_mes"}, owner),
             "¿cuánto debo?": ("customer_statement", {}, _contact(customer_id=m.lupita))}
    brain = ShopBrain(ShopTools(shop.env), _no_profile)
    for text, (tool, args, contact) in asked.items():
        turn = Turn(shop.tenant_id, "Abarrotes Doña Mary", contact, Inbound(
            "wamid.1", NOW, Person("+525599990000", "5215599990000", None), "text", text), {})
        await brain.answer(turn)
        caller = caller_for(shop.tenant_id, contact)
        expected = (await call_tool(shop.env, caller, tool, args)).output.summary
        assert [r.as_text() for r in turn.replies] == [expected[:4000]], text
        assert expected, text


async def _no_profile(_tenant: uuid.UUID) -> dict[str, Any]:
    return {}


def _contact(*, owner_id: uuid.UUID | None = None,
             customer_id: uuid.UUID | None = None) -> Contact:
    return Contact(uuid.uuid4(), "+525599990000", None, None, "Mary", None, customer_id, None,
                   owner_id, None, None, None, {})
