"""OpenAI's chat completions with function tools, through the official ``openai`` SDK; the
same wire serves OpenRouter, Ollama and Azure OpenAI (another client, same calls)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import openai

from sync_server.integrations.llm.types import (
    AssistantCalls,
    AssistantText,
    Item,
    LLMUnavailable,
    Reply,
    ToolCall,
    ToolResults,
    ToolSpec,
    Usage,
    UserText,
    estimate_tokens,
    sorted_failure,
)


class OpenAIChat:
    def __init__(self, client: openai.AsyncOpenAI, model: str, provider: str = "openai",
                 limit_param: str = "max_completion_tokens") -> None:
        # OpenAI renamed max_tokens; the compatible servers (Ollama, OpenRouter, Azure's older
        # API versions) still read the old name.
        self.client, self.model, self.provider, self.limit_param = client, model, provider, limit_param

    async def aclose(self) -> None:
        await self.client.close()

    async def complete(self, system: str, transcript: Sequence[Item], tools: Sequence[ToolSpec],
                       *, timeout_s: float, max_tokens: int = 800) -> Reply:
        messages = [{"role": "system", "content": system}, *map(_message, _flat(transcript))]
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages,
                                  self.limit_param: max_tokens}
        if tools:
            kwargs["tools"] = [{"type": "function", "function": {
                "name": t.name, "description": t.description, "parameters": t.parameters}}
                for t in tools]
            kwargs["tool_choice"] = "auto"
        try:
            answer = await self.client.with_options(timeout=timeout_s).chat.completions.create(
                **kwargs)
        except Exception as exc:
            raise sorted_failure(exc, openai) from exc
        if not answer.choices:
            raise LLMUnavailable("bad_response", "no choices")
        choice = answer.choices[0]
        msg = choice.message
        calls = tuple(_call(c) for c in (msg.tool_calls or []) if c.type == "function")
        usage = Usage(answer.usage.prompt_tokens, answer.usage.completion_tokens) if answer.usage \
            else Usage(estimate_tokens(system, json.dumps(messages, default=str)),
                       estimate_tokens(msg.content or ""), reported=False)
        return Reply(msg.content, calls, usage, choice.finish_reason or "", answer.model,
                     AssistantCalls(msg.content, calls) if calls else None)


def _call(c: Any) -> ToolCall:
    raw = c.function.arguments or ""
    try:
        parsed = json.loads(raw) if raw.strip() else {}
    except ValueError:
        parsed = None
    return ToolCall(c.id, c.function.name, parsed if isinstance(parsed, dict) else None, raw)


def _flat(transcript: Sequence[Item]) -> list[Any]:
    out: list[Any] = []
    for item in transcript:
        out.extend(item.results if isinstance(item, ToolResults) else [item])
    return out


def _message(item: Any) -> dict[str, Any]:
    if isinstance(item, UserText):
        return {"role": "user", "content": item.text}
    if isinstance(item, AssistantText):
        return {"role": "assistant", "content": item.text}
    if isinstance(item, AssistantCalls):
        return {"role": "assistant", "content": item.text,
                "tool_calls": [{"id": c.id, "type": "function",
                                "function": {"name": c.name, "arguments": c.raw_arguments}}
                               for c in item.calls]}
    return {"role": "tool", "tool_call_id": item.call_id, "content": item.content}
