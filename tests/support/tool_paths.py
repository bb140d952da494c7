"""Every way the shop's tools are called, as one signature, for the parity test: the answer a
person gets must not depend on which of them asked. Each path takes (shop, caller, tool name,
arguments) and returns the tool's answer as JSON data.

The WhatsApp rule bot's path is its one way into the tools (``ShopTools.call`` with the caller
``caller_for`` makes of the person's verified contact), what each of its intent handlers calls;
tests/server/tools/test_parity.py also checks that its intents answer with the tools' own words.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from mcp import Client

from sync_server.bot.assistant import Assistant, tools_for
from sync_server.bot.prompt import RESULT_CLOSE, RESULT_OPEN
from sync_server.bot.shop_tools import ShopTools, caller_for
from sync_server.integrations.llm.types import ToolCall
from sync_server.integrations.vault import Vault
from sync_server.mcp.server import build
from sync_server.repositories.wa_contacts import Contact
from sync_server.services.integrations import Integrations
from sync_server.services.tokens import TokenMeter
from sync_server.tools.base import Caller, CallerRole
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


async def rule_bot(shop: Any, caller: Caller, name: str, args: dict[str, Any]) -> Any:
    """The rule bot's step: the caller it makes of a verified contact (the owner's phone, or a
    customer's), then the bot's own tool call."""
    owner = caller.role is CallerRole.OWNER
    contact = Contact(uuid.uuid4(), "+525599990000", None, None, "Mary", None,
                      None if owner else caller.customer_id, None,
                      uuid.uuid4() if owner else None, None, None, None, {})
    bots_caller = caller_for(caller.tenant_id, contact)
    assert bots_caller.role is caller.role
    return (await ShopTools(shop.env).call(bots_caller, name, args)).model_dump(mode="json")


PATHS: dict[str, Path] = {"directo": direct, "mcp": mcp, "asistente": assistant,
                          "bot": rule_bot}
