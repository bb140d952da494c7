"""Every way the shop's tools are called, as one signature, for the parity test: the answer a
person gets must not depend on which of them asked. Each path takes (shop, caller, tool name,
arguments) and returns the tool's answer as JSON data.

The WhatsApp rule bot joins here: add its path (its intent handler calling the tool) to PATHS,
and tests/server/tools/test_parity.py checks it against the others for every tool.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from mcp import Client

from sync_server.bot.assistant import Assistant, tools_for
from sync_server.bot.prompt import RESULT_CLOSE, RESULT_OPEN
from sync_server.integrations.llm.types import ToolCall
from sync_server.integrations.vault import Vault
from sync_server.mcp.server import build
from sync_server.services.integrations import Integrations
from sync_server.services.tokens import TokenMeter
from sync_server.tools.base import Caller
from sync_server.tools.calls import call_tool

Path = Callable[[Any, Caller, str, dict[str, Any]], Awaitable[Any]]


async def direct(shop: Any, caller: Caller, name: str, args: dict[str, Any]) -> Any:
    return (await call_tool(shop.env, caller, name, args)).output.model_dump(mode="json")


async def mcp(shop: Any, caller: Caller, name: str, args: dict[str, Any]) -> Any:
    async def who() -> Caller:
        return caller

    async with Client(build(lambda: shop.env, who)) as client:
        result = await client.call_tool(name, args)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def assistant(shop: Any, caller: Caller, name: str, args: dict[str, Any]) -> Any:
    """The assistant's own step for a model's tool call (what an LLM's call goes through)."""
    bot = Assistant(shop.env, Integrations(shop.pool, Vault([Vault.new_key()])),
                    TokenMeter(shop.pool, shop.env.plan_for))
    result = await bot.run_tool_call(caller, tools_for(caller),
                                     ToolCall("call_1", name, args, json.dumps(args)), "mensaje-1")
    assert not result.is_error, result.content
    assert result.content.startswith(RESULT_OPEN)
    return json.loads(result.content[len(RESULT_OPEN):-len(RESULT_CLOSE)])


PATHS: dict[str, Path] = {"directo": direct, "mcp": mcp, "asistente": assistant}
