"""The owner's online account: plan and usage, devices, the shop's integrations (masked), bot
settings. Any app (the till's "Cuenta en línea", a future web or phone app) uses these through
``/v1/account`` (docs/billing.md, "Account API")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from shared.errors import DomainError
from shared.plans import STATUS_LABELS, InForce
from shared.sync.payloads import PlanPayload
from sync_server import db
from sync_server.billing import limits, plan_state
from sync_server.billing.context import Billing
from sync_server.billing.pay_providers import KIND_OF
from sync_server.billing.paylinks import hook_url
from sync_server.repositories import devices as device_repo
from sync_server.repositories import owner_account, subscriptions, tenants
from sync_server.repositories.devices import DeviceSync as DeviceSync  # the router's too
from sync_server.repositories.owner_account import Usage
from sync_server.repositories.subscriptions import Checkout
from sync_server.services.integrations import MaskedIntegration


@dataclass(frozen=True)
class TokenFigures:
    monthly_allowance: int  # what the plan in force gives each month
    from_packages: int  # bought and not spent yet (packages never expire)
    used_this_month: int  # of this month's allowance (calls spend it before packages)


@dataclass(frozen=True)
class Overview:
    shop_name: str
    timezone: str
    record: PlanPayload
    force: InForce
    status_label: str
    usage: Usage
    tokens: TokenFigures
    cancel_at_period_end: bool
    has_billing_account: bool
    checkouts: list[Checkout]
    subscribed: bool = False  # a subscription Stripe still bills (subscriptions.LIVE)


async def overview(billing: Billing, tenant_id: uuid.UUID) -> Overview:
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        zone = await tenants.get_timezone(conn, tenant_id) or "America/Mexico_City"
        record, force = await plan_state.current(conn, tenant_id, zone=ZoneInfo(zone))
        usage = await owner_account.usage(conn, tenant_id)
        sub = await subscriptions.get(conn, tenant_id)
        checkouts = await subscriptions.recent_checkouts(conn, tenant_id, 10)
        name = await tenants.get_name(conn, tenant_id) or ""
    tokens = await billing.meter.balance(tenant_id)
    return Overview(
        shop_name=name, timezone=zone, record=record, force=force,
        status_label=STATUS_LABELS[force.status], usage=usage,
        tokens=TokenFigures(force.limits.monthly_tokens, tokens.packages_left,
                            force.limits.monthly_tokens - tokens.allowance_left),
        cancel_at_period_end=bool(sub and sub.cancel_at_period_end),
        has_billing_account=bool(sub and sub.stripe_customer_id), checkouts=checkouts,
        subscribed=bool(sub and sub.live))


async def devices(billing: Billing, tenant_id: uuid.UUID) -> list[DeviceSync]:
    """Every till ever paired, with the last time it synced (a push or a pull)."""
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        return await device_repo.sync_overview(conn, tenant_id)


# ---- integrations -----------------------------------------------------------------------------


class UnknownIntegration(DomainError):
    code = "unknown_integration"


class InvalidIntegration(DomainError):
    code = "invalid_integration"


@dataclass(frozen=True)
class Kind:
    label: str
    settings: dict[str, str]  # name → Spanish label
    secrets: dict[str, str]
    choices: dict[str, tuple[str, ...]]


LLM_PROVIDERS = ("openai", "openrouter", "anthropic", "ollama", "azure_openai")

# What an owner may save, and how each field is called on screen. Payment links use the first
# payment provider configured, in this order: MercadoPago, Stripe, Clip.
KINDS: dict[str, Kind] = {
    "whatsapp": Kind("WhatsApp de la tienda",
                     {"phone_number_id": "Identificador del número", "display_phone": "Número"},
                     {"token": "Token de acceso", "app_secret": "Clave secreta de la app"}, {}),
    "llm": Kind("Inteligencia artificial",
                {"provider": "Proveedor", "model": "Modelo", "base_url": "Dirección (opcional)"},
                {"api_key": "Llave de API"}, {"provider": LLM_PROVIDERS}),
    "mercadopago": Kind("Mercado Pago", {}, {"access_token": "Access token",
                                             "webhook_secret": "Clave secreta de notificaciones"}, {}),
    "stripe_shop": Kind("Stripe de la tienda", {}, {"secret_key": "Llave secreta",
                                                    "webhook_secret": "Secreto del webhook"}, {}),
    "clip": Kind("Clip", {}, {"api_key": "API key", "secret_key": "Clave secreta"}, {}),
}


def _check(kind: str, settings: dict[str, Any], secrets: dict[str, str | None]) -> Kind:
    spec = KINDS.get(kind)
    if spec is None:
        raise UnknownIntegration("Esa integración no existe.")
    unknown = (set(settings) - set(spec.settings)) | (set(secrets) - set(spec.secrets))
    if unknown:
        raise InvalidIntegration(f"Campos desconocidos: {', '.join(sorted(unknown))}.")
    for name, value in settings.items():
        if not isinstance(value, str) or len(value) > 300:
            raise InvalidIntegration(f"El campo «{spec.settings[name]}» no es válido.")
        if name in spec.choices and value not in spec.choices[name]:
            raise InvalidIntegration(f"«{spec.settings[name]}» debe ser uno de: "
                                     f"{', '.join(spec.choices[name])}.")
    for name, secret in secrets.items():
        if secret is not None and len(secret) > 2000:
            raise InvalidIntegration(f"El campo «{spec.secrets[name]}» es demasiado largo.")
    return spec


async def integrations(billing: Billing, tenant_id: uuid.UUID) -> list[MaskedIntegration]:
    """Every integration the shop saved, secrets masked (bot settings are apart)."""
    return [i for i in await billing.integrations.all_masked(tenant_id) if i.kind in KINDS]


@dataclass(frozen=True)
class Webhook:
    provider: str
    url: str  # where the provider must send its notifications (the owner pastes it there)


async def webhooks(billing: Billing, tenant_id: uuid.UUID) -> list[Webhook]:
    """The notification address of each payment provider the shop connected."""
    saved = {i.kind for i in await billing.integrations.all_masked(tenant_id)}
    return [Webhook(name, hook_url(billing, name, tenant_id))
            for name, kind in KIND_OF.items() if kind in saved]


async def save_integration(
    billing: Billing, tenant_id: uuid.UUID, kind: str, settings: dict[str, Any],
    secrets: dict[str, str | None],
) -> MaskedIntegration:
    """Save settings and secrets; a secret left out (None) keeps the stored one, "" removes it."""
    _check(kind, settings, secrets)
    return await billing.integrations.save(tenant_id, kind, settings, secrets)


async def remove_integration(billing: Billing, tenant_id: uuid.UUID, kind: str) -> bool:
    _check(kind, {}, {})
    return await billing.integrations.remove(tenant_id, kind)


# ---- bot settings -----------------------------------------------------------------------------

BOT = limits.BOT


@dataclass(frozen=True)
class BotSettings:
    enabled: bool  # what the owner chose
    greeting: str | None
    allowed_by_plan: bool  # the plan in force includes the bot
    answering: bool  # both: the bot answers customers


async def bot_settings(billing: Billing, tenant_id: uuid.UUID) -> BotSettings:
    saved = await billing.integrations.masked(tenant_id, BOT)
    values = saved.settings if saved else {}
    allowed = await limits.bot_allowed(billing.pool, tenant_id)
    enabled = limits.owner_switch(values)  # the same rule the conversation's gate follows
    return BotSettings(enabled, values.get("greeting"), allowed, enabled and allowed)


async def save_bot_settings(
    billing: Billing, tenant_id: uuid.UUID, enabled: bool, greeting: str | None
) -> BotSettings:
    await billing.integrations.save(tenant_id, BOT, {"enabled": enabled, "greeting": greeting}, {})
    return await bot_settings(billing, tenant_id)
