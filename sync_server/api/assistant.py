"""Owner endpoints for the shop's assistant: its LLM provider (set, see masked, remove,
"probar"), and its token balance."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from sync_server.api.deps import Protocol
from sync_server.api.owners import OwnerTenant
from sync_server.services import llm_config
from sync_server.services.integrations import Integrations, MaskedIntegration
from sync_server.services.tokens import TokenMeter

router = APIRouter(prefix="/v1/owner", tags=["assistant"])


def _integrations(request: Request) -> Integrations:
    found: Integrations = request.app.state.integrations
    return found


def _meter(request: Request) -> TokenMeter:
    found: TokenMeter = request.app.state.tokens
    return found


IntegrationsDep = Annotated[Integrations, Depends(_integrations)]
MeterDep = Annotated[TokenMeter, Depends(_meter)]


class LLMIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    provider: Annotated[str, Field(max_length=20)]
    model: Annotated[str, Field(min_length=1, max_length=120)]
    base_url: Annotated[str, Field(max_length=300)] | None = None
    api_version: Annotated[str, Field(max_length=40)] | None = None
    deployment: Annotated[str, Field(max_length=120)] | None = None
    # None keeps the saved key; "" removes it. Never returned: the answer shows it masked.
    api_key: Annotated[str, Field(max_length=500)] | None = None


class LLMOut(BaseModel):
    settings: dict[str, Any]
    secrets: dict[str, str]  # masked ("••••a1b2")
    updated_at: datetime | None


def _out(m: MaskedIntegration) -> LLMOut:
    return LLMOut(settings=m.settings, secrets=m.secrets, updated_at=m.updated_at)


@router.put("/llm", response_model=LLMOut)
async def set_llm(body: LLMIn, tenant_id: OwnerTenant, integrations: IntegrationsDep,
                  _: Protocol) -> LLMOut:
    settings = body.model_dump(exclude={"api_key"})
    return _out(await llm_config.save(integrations, tenant_id, settings, body.api_key))


@router.get("/llm", response_model=LLMOut | None)
async def get_llm(tenant_id: OwnerTenant, integrations: IntegrationsDep, _: Protocol) -> LLMOut | None:
    saved = await integrations.masked(tenant_id, llm_config.KIND)
    return _out(saved) if saved else None


@router.delete("/llm", status_code=204)
async def remove_llm(tenant_id: OwnerTenant, integrations: IntegrationsDep, _: Protocol) -> None:
    await integrations.remove(tenant_id, llm_config.KIND)


class ProbeOut(BaseModel):
    ok: bool
    code: str
    message: str
    provider: str | None
    model: str | None
    latency_ms: int | None


@router.post("/llm/test", response_model=ProbeOut)
async def probe_llm(tenant_id: OwnerTenant, integrations: IntegrationsDep, meter: MeterDep,
                    _: Protocol) -> ProbeOut:
    p = await llm_config.probe(integrations, meter, tenant_id)
    return ProbeOut(ok=p.ok, code=p.code, message=p.message, provider=p.provider, model=p.model,
                    latency_ms=p.latency_ms)


class TokensOut(BaseModel):
    plan: str
    month: date
    monthly_tokens: int
    allowance_left: int
    packages_left: int
    tokens_left: int
    llm_input_tokens: int
    llm_output_tokens: int
    calls: int


@router.get("/tokens", response_model=TokensOut)
async def tokens(tenant_id: OwnerTenant, meter: MeterDep, _: Protocol) -> TokensOut:
    b = await meter.balance(tenant_id)
    return TokensOut(plan=b.plan.name, month=b.month, monthly_tokens=b.plan.monthly_tokens,
                     allowance_left=b.allowance_left, packages_left=b.packages_left,
                     tokens_left=b.left, llm_input_tokens=b.input_tokens,
                     llm_output_tokens=b.output_tokens, calls=b.calls)
