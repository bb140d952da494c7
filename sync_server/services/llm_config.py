"""A shop's LLM provider: the owner sets it (provider, model, key, base URL), sees it masked,
removes it, and "prueba" it; the assistant resolves it (the shop's own, else the platform's).
Kept through ``Integrations`` (kind ``llm``): the key sealed at rest, masked when read back."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from shared.ids import new_uuid7
from sync_server.integrations.llm.providers import LLMConfig, LLMConfigInvalid, make_provider
from sync_server.integrations.llm.types import LLMRefused, LLMUnavailable, UserText
from sync_server.services.integrations import Integrations, MaskedIntegration
from sync_server.services.tokens import TokenMeter

KIND = "llm"
_FIELDS = ("provider", "model", "base_url", "api_version", "deployment")


async def save(integrations: Integrations, tenant_id: uuid.UUID, settings: dict[str, Any],
               api_key: str | None) -> MaskedIntegration:
    """Save the shop's provider. A key given as None keeps the saved one (changing the model
    does not mean typing the key again); the whole is checked before it is saved."""
    clean = {k: v for k, v in settings.items() if k in _FIELDS and v not in (None, "")}
    saved = await integrations.masked(tenant_id, KIND)
    has_key = bool(api_key) or (api_key is None and saved is not None and "api_key" in saved.secrets)
    LLMConfig.of(clean, "kept" if has_key else None)  # refuses with the Spanish reason
    return await integrations.save(tenant_id, KIND, clean, {"api_key": api_key})


async def resolve(integrations: Integrations, tenant_id: uuid.UUID) -> LLMConfig | None:
    """The shop's provider, else the platform's; None when neither is set."""
    creds = await integrations.resolve(tenant_id, KIND)
    if creds is None:
        return None
    return LLMConfig.of(creds.settings, creds.secret("api_key"))


@dataclass(frozen=True)
class Probe:
    ok: bool
    code: str  # ok, or why not: invalid_key, not_found, timeout, rate_limited, not_configured…
    message: str
    provider: str | None = None
    model: str | None = None
    latency_ms: int | None = None


async def probe(integrations: Integrations, meter: TokenMeter, tenant_id: uuid.UUID,
                timeout_s: float = 15.0) -> Probe:
    """"Probar": one tiny request with the configured key and model, and what came of it."""
    try:
        cfg = await resolve(integrations, tenant_id)
    except LLMConfigInvalid as exc:
        return Probe(False, exc.code, exc.message)
    if cfg is None:
        return Probe(False, "not_configured", "No hay proveedor de IA configurado.")
    llm = make_provider(cfg, timeout_s=timeout_s)
    started = time.perf_counter()
    try:
        reply = await llm.complete("Responde solo con la palabra: listo.", [UserText("¿Listo?")],
                                   [], timeout_s=timeout_s, max_tokens=5)
    except LLMRefused as exc:
        return Probe(False, exc.code, _refused_text(exc.code), cfg.provider, cfg.model)
    except LLMUnavailable as exc:
        return Probe(False, exc.kind, "El proveedor no respondió bien ahora (" + exc.kind +
                     "); intenta de nuevo en un momento.", cfg.provider, cfg.model)
    finally:
        await llm.aclose()
    latency = int((time.perf_counter() - started) * 1000)
    await meter.charge(tenant_id, f"probar:{new_uuid7()}", cfg.provider, cfg.model,
                       reply.usage.input_tokens, reply.usage.output_tokens)
    return Probe(True, "ok", f"Funciona: {cfg.provider} respondió en {latency} ms.",
                 cfg.provider, reply.model or cfg.model, latency)


def _refused_text(code: str) -> str:
    return {"invalid_key": "El proveedor rechazó la llave: revísala.",
            "forbidden": "La llave no tiene permiso para ese modelo.",
            "not_found": "El proveedor no tiene ese modelo (o la URL no es la suya)."}.get(
        code, "El proveedor rechazó la petición: revisa el modelo y la URL.")
