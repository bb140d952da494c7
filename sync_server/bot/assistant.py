"""The LLM assistant behind WhatsApp: one reply to what a person wrote, with the shop's tools
that person may use, or the rule-based answer when the LLM cannot give one.

The WhatsApp channel calls :meth:`Assistant.answer` with the shop, who is writing (a customer,
the verified owner, staff), the conversation's recent turns, the new text, and its rule
parser's best answer as a callable. It never answers with silence: no provider configured, no
tokens left, a provider down, slow, rate-limited or confused all end in the rules' answer,
with the reason in ``Reply.reason``.

Injection hygiene: the model is offered only the tools the person's role may call (a
customer: catalog, their own balance and orders, and creating their own order); a call outside
that set is refused and audited, not run; tool results reach the model as quoted data; write
calls carry idempotency keys made here from the message's key and the call's arguments, so a
retried message cannot place the same order twice.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from shared.errors import DomainError
from sync_server.bot.prompt import quoted_result, system_prompt
from sync_server.db import tenant_tx
from sync_server.integrations.llm.providers import LLMConfig, LLMConfigInvalid, make_provider
from sync_server.integrations.llm.types import (
    AssistantText,
    ChatProvider,
    Item,
    LLMRefused,
    LLMUnavailable,
    ToolCall,
    ToolResult,
    ToolResults,
    ToolSpec,
    UserText,
)
from sync_server.repositories import shop
from sync_server.services import llm_config
from sync_server.services.integrations import Integrations
from sync_server.services.tokens import TokenMeter
from sync_server.tools.base import Caller, CallerRole, Tool
from sync_server.tools.calls import ToolEnv, call_tool, refuse
from sync_server.tools.registry import offered

log = logging.getLogger(__name__)

# What an LLM may write on a customer's behalf: their own order, nothing else.
CUSTOMER_WRITES = frozenset({"create_order"})


@dataclass(frozen=True, slots=True)
class Person:
    role: CallerRole
    customer_id: uuid.UUID | None = None  # a customer: who (their answers are about them only)
    name: str | None = None
    actor: str = "whatsapp"  # who, for the audit (never a secret)


@dataclass(frozen=True, slots=True)
class Turn:
    by: Literal["persona", "tienda"]
    text: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    source: Literal["llm", "rules"]
    reason: str | None = None  # why the rules answered (no_llm, no_tokens, timeout, …)
    tools_used: tuple[str, ...] = ()
    tokens: int = 0  # the shop's tokens this reply cost


RuleAnswer = Callable[[], Awaitable[str]]
OwnerNotice = Callable[[uuid.UUID, str], Awaitable[None]]
SORRY = "Perdón, no pude responder ahorita. ¿Me lo repites en un momento?"


class Assistant:
    def __init__(self, env: ToolEnv, integrations: Integrations, meter: TokenMeter, *,
                 provider_for: Callable[[LLMConfig, float], ChatProvider] | None = None,
                 notify_owner: OwnerNotice | None = None, max_rounds: int = 4,
                 call_timeout_s: float = 15.0, deadline_s: float = 30.0, max_turns: int = 12,
                 max_tokens: int = 600) -> None:
        self.env, self.integrations, self.meter = env, integrations, meter
        self.provider_for = provider_for or (lambda cfg, t: make_provider(cfg, timeout_s=t))
        self.notify_owner = notify_owner
        self.max_rounds, self.call_timeout_s, self.deadline_s = max_rounds, call_timeout_s, deadline_s
        self.max_turns, self.max_tokens = max_turns, max_tokens

    async def answer(self, tenant_id: uuid.UUID, person: Person, turns: Sequence[Turn], text: str,
                     fallback: RuleAnswer, *, key: str) -> Reply:
        """Reply to ``text``. ``key`` names this message (e.g. its WhatsApp id): answering the
        same message again charges no tokens twice and writes nothing twice."""
        try:
            cfg = await llm_config.resolve(self.integrations, tenant_id)
        except LLMConfigInvalid:
            log.warning("the shop's LLM settings are invalid", extra={"tenant_id": str(tenant_id)})
            return await _rules(fallback, "llm_misconfigured")
        if cfg is None:
            return await _rules(fallback, "no_llm")
        if not await self._has_tokens(tenant_id):
            return await _rules(fallback, "no_tokens")
        caller = Caller(tenant_id, person.role, "asistente", person.actor, person.customer_id,
                        can_write=True)
        tools = tools_for(caller)
        llm = self.provider_for(cfg, self.call_timeout_s)
        used: list[str] = []
        spent = 0
        try:
            async with asyncio.timeout(self.deadline_s):
                system = await self._system(tenant_id, person)
                transcript: list[Item] = [*_history(turns[-self.max_turns:]), UserText(text)]
                for round_no in range(self.max_rounds):
                    if round_no and not await self._has_tokens(tenant_id):
                        return await _rules(fallback, "no_tokens", used, spent)
                    reply = await llm.complete(system, transcript, [_spec(t) for t in tools],
                                               timeout_s=self.call_timeout_s,
                                               max_tokens=self.max_tokens)
                    charge = await self.meter.charge(tenant_id, f"{key}:{round_no}", cfg.provider,
                                                     cfg.model, reply.usage.input_tokens,
                                                     reply.usage.output_tokens)
                    spent += charge.tokens
                    if not reply.tool_calls:
                        if reply.text and reply.text.strip():
                            return Reply(reply.text.strip(), "llm", None, tuple(used), spent)
                        return await _rules(fallback, "empty_reply", used, spent)
                    results = [await self.run_tool_call(caller, tools, c, key)
                               for c in reply.tool_calls]
                    used += [c.name for c in reply.tool_calls]
                    assert reply.calls_item is not None
                    transcript += [reply.calls_item, ToolResults(tuple(results))]
                return await _rules(fallback, "too_many_rounds", used, spent)
        except TimeoutError:
            return await _rules(fallback, "too_slow", used, spent)
        except LLMUnavailable as exc:
            log.info("LLM unavailable; the rules answer", extra={"tenant_id": str(tenant_id),
                                                                 "kind": exc.kind})
            return await _rules(fallback, exc.kind, used, spent)
        except LLMRefused as exc:
            log.warning("LLM refused the shop's settings; the rules answer",
                        extra={"tenant_id": str(tenant_id), "code": exc.code})
            return await _rules(fallback, "llm_misconfigured", used, spent)
        finally:
            await llm.aclose()

    async def _has_tokens(self, tenant_id: uuid.UUID) -> bool:
        if (await self.meter.balance(tenant_id)).left > 0:
            return True
        if await self.meter.exhausted_notice(tenant_id):
            notice = ("Se acabaron los tokens del asistente de tu tienda: mientras tanto contesta "
                      "el bot de reglas. Puedes comprar un paquete desde tu cuenta.")
            if self.notify_owner is not None:
                try:
                    await self.notify_owner(tenant_id, notice)
                except Exception:  # the notice must not cost the customer their answer
                    log.exception("could not tell the owner the tokens ran out")
            log.warning("assistant tokens ran out", extra={"tenant_id": str(tenant_id)})
        return False

    async def _system(self, tenant_id: uuid.UUID, person: Person) -> str:
        async with tenant_tx(self.env.pool, tenant_id) as conn:
            profile = await shop.profile(conn, tenant_id)
        assert profile is not None
        return system_prompt(profile, person.role, person.name, self.env.clock())

    async def run_tool_call(self, caller: Caller, tools: Sequence[Tool[Any, Any]], asked: ToolCall,
                            message_key: str) -> ToolResult:
        """Run one tool call the model asked for, if it was offered; the answer as data."""
        if asked.name not in {t.name for t in tools}:
            await refuse(self.env, caller, asked.name, "tool_not_offered")
            return _error(asked, "tool_not_offered", "Esa herramienta no está disponible aquí.")
        if asked.arguments is None:
            return _error(asked, "invalid_arguments", "Los argumentos no son un objeto JSON.")
        args = dict(asked.arguments)
        if next(t for t in tools if t.name == asked.name).write:
            args["idempotency_key"] = write_key(message_key, asked.name, args)
        try:
            result = await call_tool(self.env, caller, asked.name, args)
        except DomainError as exc:
            return _error(asked, exc.code, exc.message)
        return ToolResult(asked.id, asked.name, quoted_result(result.output.model_dump(mode="json")))


def write_key(message_key: str, tool: str, args: dict[str, Any]) -> str:
    """A write's idempotency key, made here and not by the model: the same message asking the
    same change (however many rounds or retries it takes) makes it once."""
    asked = json.dumps({k: v for k, v in args.items() if k != "idempotency_key"}, sort_keys=True,
                       default=str)
    # Hashed: a WhatsApp message id may carry characters a key may not ("=", "/").
    message = hashlib.sha256(message_key.encode()).hexdigest()[:20]
    return f"asistente:{message}:{tool}:{hashlib.sha256(asked.encode()).hexdigest()[:24]}"


def tools_for(caller: Caller) -> list[Tool[Any, Any]]:
    """The role's tools; a customer's writes only their own order."""
    tools = offered(caller)
    if caller.role is CallerRole.CUSTOMER:
        tools = [t for t in tools if not t.write or t.name in CUSTOMER_WRITES]
    return tools


def _spec(t: Tool[Any, Any]) -> ToolSpec:
    """The tool as the model sees it: without the idempotency key, which the assistant sets."""
    schema = copy.deepcopy(t.input_schema())
    schema.get("properties", {}).pop("idempotency_key", None)
    if "required" in schema:
        schema["required"] = [r for r in schema["required"] if r != "idempotency_key"]
    return ToolSpec(t.name, t.description, schema)


def _history(turns: Sequence[Turn]) -> list[Item]:
    """Recent turns as alternating user and assistant items, starting with the person's (two
    in a row from one side become one turn), ending with the shop's before the new text."""
    merged: list[tuple[bool, str]] = []
    for t in turns:
        text, mine = t.text.strip(), t.by == "persona"
        if not text or (not merged and not mine):
            continue
        if merged and merged[-1][0] == mine:
            merged[-1] = (mine, f"{merged[-1][1]}\n{text}")
        else:
            merged.append((mine, text))
    if merged and merged[-1][0]:
        merged.append((False, "…"))
    return [UserText(text) if mine else AssistantText(text) for mine, text in merged]


def _error(asked: ToolCall, code: str, message: str) -> ToolResult:
    return ToolResult(asked.id, asked.name, quoted_result({"error": code, "message": message}),
                      is_error=True)


async def _rules(fallback: RuleAnswer, reason: str, used: Sequence[str] = (), spent: int = 0
                 ) -> Reply:
    try:
        text = (await fallback()).strip()
    except Exception:
        log.exception("the rule-based answer failed too")
        text = ""
    return Reply(text or SORRY, "rules", reason, tuple(used), spent)
