"""The MCP server through the SDK's own client: over Streamable HTTP on the sync server with an
owner's key, and over stdio; in-process for the schemas. Tenancy, write permission,
revocation, and a write reaching a paired till."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import text

from shared.catalog import starter_product_id
from sync_server.services import mcp_keys, shops
from sync_server.tools.registry import TOOLS

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _key(server, tenant_id: uuid.UUID, *, write: bool = False) -> str:
    async def make(pool: Any) -> str:
        return (await mcp_keys.create(pool, tenant_id, "Claude en la laptop", can_write=write))[1]
    return server.call(make)


@asynccontextmanager
async def _client(server, token: str) -> AsyncIterator[Client]:
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as h, \
            Client(streamable_http_client(f"{server.url}/mcp", http_client=h)) as client:
        yield client


def _data(result: Any) -> Any:
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def test_every_tool_is_listed_with_its_schemas(server, shop):
    async with _client(server, _key(server, shop.tenant_id, write=True)) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
    assert set(listed) == set(TOOLS)
    for name, t in listed.items():
        assert t.input_schema == TOOLS[name].input_schema()
        assert t.output_schema["properties"]["summary"]["type"] == "string"
        assert t.description == TOOLS[name].description
        assert t.annotations.read_only_hint is (not TOOLS[name].write)
    async with _client(server, _key(server, shop.tenant_id)) as client:  # read-only key
        read_only = {t.name for t in (await client.list_tools()).tools}
    assert read_only == {n for n, t in TOOLS.items() if not t.write}


async def test_a_read_answers_only_the_keys_shop(server, shop, small_catalog):
    other = server.call(lambda pool: shops.create_shop(pool, "Miscelánea La Otra", small_catalog[:2]))
    mine = _key(server, shop.tenant_id)
    theirs = _key(server, other.tenant_id, write=True)
    only_mine = small_catalog[5].barcode  # the other shop has the first two products only
    async with _client(server, theirs) as client:
        customer = _data(await client.call_tool("register_customer", {
            "idempotency_key": "cliente-de-la-otra", "name": "Cliente de la otra"}))["customer_id"]
        assert _data(await client.call_tool("search_products", {"query": only_mine}))["products"] == []
    async with _client(server, mine) as client:
        info = _data(await client.call_tool("shop_info", {}))
        assert info["name"] == "Abarrotes Doña Mary"
        found = _data(await client.call_tool("search_products", {"query": only_mine}))
        assert [p["name"] for p in found["products"]] == [small_catalog[5].name]
        refused = await client.call_tool("customer_statement", {"customer_id": customer})
        assert refused.is_error
        assert "no tiene ese cliente" in refused.content[0].text


async def test_writes_need_the_owners_permission_and_reach_a_paired_till(
        server, shop, paired_device, small_catalog):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    coke = small_catalog[0]
    product_id = str(starter_product_id(coke.barcode))
    async with _client(server, _key(server, shop.tenant_id)) as client:
        refused = await client.call_tool("set_price", {"idempotency_key": "precio-coca",
                                                       "product_id": product_id, "price": "25"})
    assert refused.is_error
    assert json.loads(refused.content[0].text)["error"]["code"] == "writes_not_allowed"
    async with _client(server, _key(server, shop.tenant_id, write=True)) as client:
        changed = _data(await client.call_tool("set_price", {
            "idempotency_key": "precio-coca", "product_id": product_id, "price": "25.50"}))
        order = _data(await client.call_tool("create_order", {
            "idempotency_key": "pedido-mcp-1", "customer_name": "Don Beto",
            "items": [{"product_id": product_id, "quantity": 2}]}))
    assert changed["changed"] == [f"{coke.name}: ${coke.price / 100:,.2f} → $25.50"]
    pos.agent.sync_once()
    with pos.db.read() as conn:
        price = conn.execute(text("SELECT price FROM products WHERE id = :id"),
                             {"id": product_id}).scalar_one()
        placed = conn.execute(text("SELECT number, customer_name, total FROM orders")).one()
        status = conn.execute(text("SELECT status FROM order_statuses")).scalar_one()
    assert price == 2550
    assert tuple(placed) == (order["order"]["number"], "Don Beto", 2 * 2550)
    assert status == "recibido"


async def test_no_key_a_wrong_key_and_a_revoked_key_get_nothing(server, shop):
    async with httpx2.AsyncClient() as h:
        bare = await h.post(f"{server.url}/mcp", json={})
        meta = await h.get(f"{server.url}/.well-known/oauth-protected-resource/mcp")
        missing = await h.get(f"{server.url}/no-such-path")
    assert bare.status_code == 401
    assert "resource_metadata" in bare.headers["www-authenticate"]
    assert meta.json()["resource"].endswith("/mcp")  # MCH_PUBLIC_URL, else host:port
    assert missing.json()["code"] == "not_found"  # the sync server's own 404, untouched
    token = _key(server, shop.tenant_id)
    forged = token[:-6] + "xxxxxx"
    with pytest.raises(Exception):  # noqa: B017,PT011 (the SDK's own HTTP error, whatever its type)
        async with _client(server, forged) as client:
            await client.list_tools()
    async with _client(server, token) as client:
        assert (await client.list_tools()).tools
        key_id = uuid.UUID(hex=token.split(".")[2])
        server.call(lambda pool: mcp_keys.revoke(pool, shop.tenant_id, key_id))
        with pytest.raises(Exception):  # noqa: B017,PT011
            await client.call_tool("shop_info", {})


async def test_stdio_with_the_key(server, shop, database_url):
    token = _key(server, shop.tenant_id)
    env = {"DATABASE_URL": database_url, "MCH_LOG_JSON": "false", "PATH": os.environ["PATH"],
           "HOME": os.environ.get("HOME", "/tmp")}
    params = StdioServerParameters(command=sys.executable, args=["-m", "sync_server.mcp", "--key", token],
                                   env=env, cwd=os.getcwd())
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        info = _data(await client.call_tool("shop_info", {}))
    assert "sales_summary" in names
    assert "set_price" not in names  # a read-only key
    assert info["name"] == "Abarrotes Doña Mary"
