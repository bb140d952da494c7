"""A shop's LLM provider from its saved credentials (or the platform's): OpenAI, OpenRouter,
Ollama and Azure OpenAI through the ``openai`` SDK, Anthropic through ``anthropic``. Every
client is made with ``max_retries=0`` (the assistant falls back to the rules instead of
tripling the wait and the cost) and the caller's timeout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import anthropic
import openai

from shared.errors import DomainError
from sync_server.integrations.llm.anthropic_messages import AnthropicMessages
from sync_server.integrations.llm.openai_chat import OpenAIChat
from sync_server.integrations.llm.types import ChatProvider

ProviderName = Literal["openai", "openrouter", "anthropic", "ollama", "azure"]
PROVIDERS: tuple[ProviderName, ...] = get_args(ProviderName)
DEFAULT_BASE_URL: Mapping[str, str] = {"openrouter": "https://openrouter.ai/api/v1",
                                       "ollama": "http://localhost:11434/v1"}
AZURE_API_VERSION = "2024-10-21"
# OpenRouter's optional attribution headers (its rankings page shows the app's name).
_OPENROUTER_HEADERS = {"HTTP-Referer": "https://michangarrito.mx", "X-Title": "MiChangarrito"}


class LLMConfigInvalid(DomainError):
    code = "llm_config_invalid"


@dataclass(frozen=True)
class LLMConfig:
    provider: ProviderName
    model: str
    api_key: str | None = None
    base_url: str | None = None  # Azure: the resource's endpoint (https://<res>.openai.azure.com)
    api_version: str | None = None  # Azure only
    deployment: str | None = None  # Azure only; the model's deployment name (else ``model``)

    def __repr__(self) -> str:  # never the key
        return f"LLMConfig({self.provider!r}, {self.model!r}, base_url={self.base_url!r})"

    @classmethod
    def of(cls, settings: Mapping[str, Any], api_key: str | None) -> LLMConfig:
        """From an integration's saved settings and secret; refused with a Spanish reason."""
        provider = str(settings.get("provider") or "")
        if provider not in PROVIDERS:
            raise LLMConfigInvalid(f"Proveedor desconocido: usa uno de {', '.join(PROVIDERS)}.")
        model = str(settings.get("model") or "").strip()
        if not model or len(model) > 120:
            raise LLMConfigInvalid("Falta el modelo (por ejemplo gpt-4o-mini o claude-sonnet-4-5).")
        base_url = (str(settings.get("base_url") or "").strip() or None)
        if base_url and not base_url.startswith(("https://", "http://")):
            raise LLMConfigInvalid("La URL base debe empezar con https:// o http://.")
        if provider == "azure" and not base_url:
            raise LLMConfigInvalid("Azure necesita el endpoint del recurso "
                                   "(https://<recurso>.openai.azure.com).")
        if provider != "ollama" and not api_key:
            raise LLMConfigInvalid("Falta la llave (API key) del proveedor.")
        return cls(provider, model, api_key, base_url,
                   str(settings.get("api_version") or "").strip() or None,
                   str(settings.get("deployment") or "").strip() or None)


def make_provider(cfg: LLMConfig, *, timeout_s: float = 20.0, strict: bool = False) -> ChatProvider:
    """A provider client for ``cfg``. ``strict`` has the SDK validate every response against
    its models (tests use it, so a fake that drifts from the real format fails loudly)."""
    common: dict[str, Any] = {"timeout": timeout_s, "max_retries": 0,
                              "_strict_response_validation": strict}
    if cfg.provider == "anthropic":
        return AnthropicMessages(anthropic.AsyncAnthropic(
            api_key=cfg.api_key, base_url=cfg.base_url, **common), cfg.model)
    if cfg.provider == "azure":
        client: openai.AsyncOpenAI = openai.AsyncAzureOpenAI(
            api_key=cfg.api_key, azure_endpoint=cfg.base_url or "",
            azure_deployment=cfg.deployment or cfg.model,
            api_version=cfg.api_version or AZURE_API_VERSION, **common)
        return OpenAIChat(client, cfg.deployment or cfg.model, "azure", "max_tokens")
    base_url = cfg.base_url or DEFAULT_BASE_URL.get(cfg.provider)
    headers = _OPENROUTER_HEADERS if cfg.provider == "openrouter" else None
    client = openai.AsyncOpenAI(api_key=cfg.api_key or "ollama", base_url=base_url,
                                default_headers=headers, **common)
    return OpenAIChat(client, cfg.model, cfg.provider,
                      "max_completion_tokens" if cfg.provider == "openai" else "max_tokens")
