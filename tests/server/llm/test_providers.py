"""Each provider through its official SDK against the fake, with the SDK's strict response
validation on: tool calls and usage read, the conversation continued with tool results in the
provider's own shape, keys sent the provider's way, failures sorted into fall back or fix."""

from __future__ import annotations

import pytest

from sync_server.integrations.llm.providers import LLMConfig, LLMConfigInvalid, make_provider
from sync_server.integrations.llm.types import (
    LLMRefused,
    LLMUnavailable,
    ToolResult,
    ToolResults,
    ToolSpec,
    UserText,
)
from tests.support.fakes.llm import call, fail, hang, text

pytestmark = pytest.mark.anyio

STOCK = ToolSpec("price_and_stock", "Precio y existencia",
                 {"type": "object", "properties": {"query": {"type": "string"}}})


def _config(fake, provider: str) -> LLMConfig:
    base = {"anthropic": fake.url, "azure": fake.url}.get(provider, fake.url + "/v1")
    settings = {"provider": provider, "model": "modelo-de-prueba", "base_url": base}
    if provider == "azure":
        settings["deployment"] = "gpt4o-tienda"
    return LLMConfig.of(settings, None if provider == "ollama" else "sk-prueba-123456")


@pytest.mark.parametrize("provider", ["openai", "openrouter", "ollama", "azure", "anthropic"])
async def test_a_tool_call_round_trip(fake_llm, provider):
    fake_llm.then(call("price_and_stock", {"query": "coca 600"}, usage=(52, 17)),
                  text("Quedan 12 piezas.", usage=(80, 6)))
    llm = make_provider(_config(fake_llm, provider), timeout_s=5, strict=True)
    try:
        first = await llm.complete("Eres el asistente.", [UserText("¿Hay coca?")], [STOCK],
                                   timeout_s=5)
        (asked,) = first.tool_calls
        assert (asked.name, asked.arguments) == ("price_and_stock", {"query": "coca 600"})
        assert (first.usage.input_tokens, first.usage.output_tokens) == (52, 17)
        assert first.calls_item is not None
        done = await llm.complete("Eres el asistente.", [
            UserText("¿Hay coca?"), first.calls_item,
            ToolResults((ToolResult(asked.id, asked.name, '{"stock": "12"}'),))], [STOCK],
            timeout_s=5)
    finally:
        await llm.aclose()
    assert done.text == "Quedan 12 piezas."
    assert not done.tool_calls
    assert (done.usage.input_tokens, done.usage.output_tokens) == (80, 6)
    first_seen, second_seen = fake_llm.requests
    assert first_seen.tool_names() == ["price_and_stock"]
    if provider == "azure":
        assert first_seen.path == "/openai/deployments/gpt4o-tienda/chat/completions"
        assert first_seen.headers["api-key"] == "sk-prueba-123456"
    elif provider == "anthropic":
        assert first_seen.body["system"] == "Eres el asistente."
        assert second_seen.body["messages"][-1]["content"][0]["type"] == "tool_result"
        assert first_seen.headers["authorization"] == "Bearer sk-prueba-123456"
    else:
        assert second_seen.body["messages"][-1] == {"role": "tool", "tool_call_id": asked.id,
                                                    "content": '{"stock": "12"}'}
    if provider == "openrouter":
        assert first_seen.headers["x-title"] == "MiChangarrito"
    if provider in ("openai", "openrouter"):
        assert first_seen.headers["authorization"] == "Bearer sk-prueba-123456"


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_failures_are_sorted(fake_llm, provider):
    fake_llm.then(fail(429), fail(500), fail(401), hang(), call("x", "{no es json"))
    llm = make_provider(_config(fake_llm, provider), timeout_s=5, strict=True)
    try:
        kinds = []
        for _ in range(2):
            with pytest.raises(LLMUnavailable) as unavailable:
                await llm.complete("s", [UserText("hola")], [], timeout_s=5)
            kinds.append(unavailable.value.kind)
        with pytest.raises(LLMRefused) as refused:
            await llm.complete("s", [UserText("hola")], [], timeout_s=5)
        with pytest.raises(LLMUnavailable) as slow:
            await llm.complete("s", [UserText("hola")], [], timeout_s=0.5)
        bad = await llm.complete("s", [UserText("hola")], [STOCK], timeout_s=5)
    finally:
        await llm.aclose()
    assert kinds == ["rate_limited", "server_error"]
    assert refused.value.code == "invalid_key"
    assert slow.value.kind == "timeout"
    assert len(fake_llm.requests) == 5  # max_retries=0: one request per call, never three
    if provider == "openai":
        assert bad.tool_calls[0].arguments is None  # not JSON: the assistant says so to the model


async def test_a_provider_without_usage_is_estimated(fake_llm):
    fake_llm.then(text("hola", usage=None))
    llm = make_provider(_config(fake_llm, "ollama"), timeout_s=5)
    try:
        reply = await llm.complete("s", [UserText("hola")], [], timeout_s=5)
    finally:
        await llm.aclose()
    assert reply.usage.reported is False
    assert reply.usage.input_tokens > 0


def test_a_config_says_what_is_missing():
    with pytest.raises(LLMConfigInvalid, match="Proveedor desconocido"):
        LLMConfig.of({"provider": "litellm", "model": "x"}, "k")
    with pytest.raises(LLMConfigInvalid, match="Falta la llave"):
        LLMConfig.of({"provider": "openai", "model": "gpt-4o-mini"}, None)
    with pytest.raises(LLMConfigInvalid, match="endpoint"):
        LLMConfig.of({"provider": "azure", "model": "gpt-4o"}, "k")
    assert "sk-" not in repr(LLMConfig.of({"provider": "openai", "model": "m"}, "sk-secreto"))
