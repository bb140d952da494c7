"""The MCP server in-process through the SDK's client: the same answers as a direct tool call,
and nothing at all for a request with no caller."""

from __future__ import annotations

import pytest
from mcp import Client

from sync_server.mcp.server import build
from sync_server.tools.base import CallerRole
from sync_server.tools.calls import call_tool
from sync_server.tools.registry import TOOLS, offered

pytestmark = pytest.mark.anyio


async def test_the_same_answer_as_the_tool_itself(shop):
    caller = shop.caller(CallerRole.OWNER, write=True, channel="mcp")

    async def as_owner():
        return caller

    async with Client(build(lambda: shop.env, as_owner), raise_exceptions=True) as client:
        tools = (await client.list_tools()).tools
        via_mcp = await client.call_tool("search_products", {"query": "coca", "limit": 3})
        bad = await client.call_tool("search_products", {"query": ""})
    assert [t.name for t in tools] == [t.name for t in offered(caller)] == list(TOOLS)
    direct = await call_tool(shop.env, caller, "search_products", {"query": "coca", "limit": 3})
    assert via_mcp.structured_content == direct.output.model_dump(mode="json")
    assert bad.is_error
    assert "invalid_arguments" in bad.content[0].text


async def test_without_a_caller_nothing_is_listed_or_run(shop):
    async def nobody():
        return None

    async with Client(build(lambda: shop.env, nobody)) as client:
        assert (await client.list_tools()).tools == []
        refused = await client.call_tool("shop_info", {})
    assert refused.is_error
    assert "auth_required" in refused.content[0].text
