"""How any tool call runs: who may call what, writes only when allowed, arguments checked,
every call audited with who, which tool and the shop."""

from __future__ import annotations

import uuid

import pytest

from sync_server.repositories import tool_calls
from sync_server.tools.base import Caller, CallerRole, WriteInput
from sync_server.tools.calls import ToolRefused
from sync_server.tools.registry import TOOLS, offered

pytestmark = pytest.mark.anyio


async def _audit(shop) -> list[tuple[str, str, str, str, str | None]]:
    async with shop.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(shop.tenant_id))
        rows = await tool_calls.recent(conn, shop.tenant_id, 50)
    return [(r.tool, r.actor, r.role, r.outcome, r.code) for r in reversed(rows)]


async def test_every_call_is_audited_with_who_which_tool_and_the_outcome(shop):
    await shop.call("shop_info")
    coca = str(shop.product_id("Coca-Cola 600"))
    with pytest.raises(ToolRefused):
        await shop.call("set_price", {"idempotency_key": "precio-1", "product_id": coca,
                                      "price": "1"})  # read-only caller
    args = {"idempotency_key": "precio-2", "product_id": coca, "price": "21"}
    await shop.call("set_price", args, write=True)
    await shop.call("set_price", args, write=True)
    with pytest.raises(ToolRefused):
        await shop.call("no_such_tool")
    with pytest.raises(ToolRefused):
        await shop.call("sales_summary", {"period": "nunca"})
    assert await _audit(shop) == [
        ("shop_info", "test:owner", "owner", "ok", None),
        ("set_price", "test:owner", "owner", "refused", "writes_not_allowed"),
        ("set_price", "test:owner", "owner", "ok", None),
        ("set_price", "test:owner", "owner", "replayed", None),
        ("no_such_tool", "test:owner", "owner", "refused", "unknown_tool"),
        ("sales_summary", "test:owner", "owner", "refused", "invalid_arguments"),
    ]


async def test_a_refused_write_changes_nothing(shop):
    coca = str(shop.product_id("Coca-Cola 600"))
    with pytest.raises(ToolRefused) as refused:
        await shop.call("set_price", {"idempotency_key": "precio-3", "product_id": coca,
                                      "price": "1"}, role=CallerRole.OWNER, write=False)
    assert "solo lectura" in refused.value.message
    assert (await shop.call("price_and_stock", {"product_id": coca})).product.price_centavos == 2200


async def test_invalid_arguments_say_which_and_why(shop):
    with pytest.raises(ToolRefused) as refused:
        await shop.call("search_products", {"query": "", "limit": 500, "extra": 1})
    message = refused.value.message
    assert "query" in message
    assert "limit" in message
    assert "extra" in message


def test_every_tool_has_a_spanish_description_schemas_and_roles():
    assert len(TOOLS) >= 24
    for t in TOOLS.values():
        assert t.description, t.name
        assert t.title, t.name
        assert t.name.isidentifier()
        assert t.name.islower()
        schema = t.input_schema()
        assert schema["type"] == "object", t.name
        assert schema.get("additionalProperties") is False, t.name
        assert "summary" in t.output_schema()["properties"], t.name
        assert t.roles, t.name
        assert t.write == issubclass(t.input, WriteInput)
        if t.write:
            assert "idempotency_key" in schema["required"], t.name


def test_what_each_role_is_offered():
    def names(role, write=False):
        caller = Caller(uuid.uuid4(), role, "prueba", "x",
                        uuid.uuid4() if role is CallerRole.CUSTOMER else None, write)
        return {t.name for t in offered(caller)}

    assert names(CallerRole.CUSTOMER, write=True) == {
        "search_products", "price_and_stock", "customer_statement", "orders_by_status",
        "create_order", "shop_info"}
    assert names(CallerRole.CUSTOMER) == names(CallerRole.CUSTOMER, True) - {"create_order"}
    owner = names(CallerRole.OWNER, write=True)
    assert owner == set(TOOLS)
    assert not {t for t in names(CallerRole.OWNER) if TOOLS[t].write}
    assert "sales_summary" not in names(CallerRole.STAFF, True)
