"""Parity: for every tool, each way of calling it (directly as the rule bot will, through MCP,
through the assistant's step for an LLM's tool call) runs the same function and gets the same
answer; the audit shows each path went through the one call path. Paths live in
tests/support/tool_paths.py, where the WhatsApp rule bot adds its own."""

from __future__ import annotations

from typing import Any

import pytest

from sync_server.bot.assistant import write_key
from sync_server.repositories import tool_calls
from sync_server.tools.base import CallerRole
from sync_server.tools.registry import TOOLS
from tests.server.tools.scenario import one_morning
from tests.support.tool_paths import PATHS

pytestmark = pytest.mark.anyio

CHANNELS = {"directo": "prueba", "mcp": "mcp", "asistente": "asistente"}


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
        "plan_and_tokens": {},
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
