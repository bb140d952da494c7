"""Anthropic's messages API with tools, through the official ``anthropic`` SDK."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import anthropic

from sync_server.integrations.llm.types import (
    AssistantCalls,
    AssistantText,
    Item,
    Reply,
    ToolCall,
    ToolSpec,
    Usage,
    UserText,
    sorted_failure,
)


class AnthropicMessages:
    provider = "anthropic"

    def __init__(self, client: anthropic.AsyncAnthropic, model: str) -> None:
        self.client, self.model = client, model

    async def aclose(self) -> None:
        await self.client.close()

    async def complete(self, system: str, transcript: Sequence[Item], tools: Sequence[ToolSpec],
                       *, timeout_s: float, max_tokens: int = 800) -> Reply:
        kwargs: dict[str, Any] = {"model": self.model, "max_tokens": max_tokens, "system": system,
                                  "messages": _messages(transcript)}
        if tools:
            kwargs["tools"] = [{"name": t.name, "description": t.description,
                                "input_schema": t.parameters} for t in tools]
        try:
            answer = await self.client.with_options(timeout=timeout_s).messages.create(**kwargs)
        except Exception as exc:
            raise sorted_failure(exc, anthropic) from exc
        texts = [b.text for b in answer.content if b.type == "text"]
        calls = tuple(ToolCall(b.id, b.name, b.input if isinstance(b.input, dict) else None,
                               json.dumps(b.input, ensure_ascii=False))
                      for b in answer.content if b.type == "tool_use")
        text = "\n".join(texts) or None
        return Reply(text, calls, Usage(answer.usage.input_tokens, answer.usage.output_tokens),
                     answer.stop_reason or "", answer.model,
                     AssistantCalls(text, calls) if calls else None)


def _messages(transcript: Sequence[Item]) -> list[dict[str, Any]]:
    """Anthropic's turns: user and assistant alternate; a tool call's results are the next
    user turn's ``tool_result`` blocks, one per ``tool_use``."""
    out: list[dict[str, Any]] = []
    for item in transcript:
        if isinstance(item, UserText):
            out.append({"role": "user", "content": item.text})
        elif isinstance(item, AssistantText):
            out.append({"role": "assistant", "content": item.text})
        elif isinstance(item, AssistantCalls):
            blocks: list[dict[str, Any]] = [{"type": "text", "text": item.text}] if item.text else []
            blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments or {}}
                       for c in item.calls]
            out.append({"role": "assistant", "content": blocks})
        else:
            out.append({"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": r.call_id, "content": r.content,
                 "is_error": r.is_error} for r in item.results]})
    return out
