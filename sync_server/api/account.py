"""The owner's account API (``/v1/account``): plan and usage, devices, pairing codes, the
shop's integrations (masked), bot settings, WhatsApp verification; and the password reset by
a code sent to the owner's verified WhatsApp. Documented in docs/billing.md."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from shared.account import (
    AccountOut,
    BotOut,
    DeviceOut,
    IntegrationOut,
    IntegrationsOut,
    KindOut,
    Limits,
    PairingCodeOut,
    PlanOut,
    PurchaseOut,
    Session,
    UsageOut,
    WebhookOut,
)
from sync_server.api.deps import Client, Pool
from sync_server.api.errors import ApiError
from sync_server.api.owners import PRINTABLE, PRINTABLE_LINES, Login, Password
from sync_server.config import Settings
from sync_server.services import account, accounts, owner_codes, shops
from sync_server.services.billing_account import Billing

router = APIRouter(prefix="/v1", tags=["account"])


class OwnerSession(BaseModel):
    tenant_id: uuid.UUID
    owner_id: uuid.UUID


async def _owner(request: Request, pool: Pool,
                 authorization: Annotated[str | None, Header()] = None) -> OwnerSession:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "auth_required", "Inicia sesión como dueño de la tienda.")
    tenant_id, owner_id = await accounts.owner_session(pool, request.app.state.settings,
                                                       token.strip())
    return OwnerSession(tenant_id=tenant_id, owner_id=owner_id)


Owner = Annotated[OwnerSession, Depends(_owner)]


def _billing(request: Request) -> Billing:
    billing: Billing = request.app.state.billing
    return billing


BillingDep = Annotated[Billing, Depends(_billing)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# ---- plan and usage ---------------------------------------------------------------------------


@router.get("/account", response_model=AccountOut)
async def overview(who: Owner, billing: BillingDep) -> AccountOut:
    o = await account.overview(billing, who.tenant_id)
    return AccountOut(
        shop_name=o.shop_name, timezone=o.timezone,
        plan=PlanOut(plan=Limits(**o.record.plan.model_dump()),
                     in_force=Limits(**asdict(o.force.limits)),
                     status=o.force.status.value, status_label=o.status_label,
                     paid_features=o.force.paid_features, note=o.force.note,
                     paid_until=o.record.paid_until, grace_until=o.record.grace_until,
                     renews_at=o.record.renews_at, cancel_at_period_end=o.cancel_at_period_end,
                     subscribed=o.subscribed),
        usage=UsageOut(tills=o.usage.tills, products=o.usage.products, users=o.usage.users,
                       tokens_monthly_allowance=o.tokens.monthly_allowance,
                       tokens_from_packages=o.tokens.from_packages,
                       tokens_used_this_month=o.tokens.used_this_month),
        purchases=[PurchaseOut(session_id=c.session_id, purpose=c.purpose, amount=c.amount,
                               status=c.status, created_at=c.created_at) for c in o.checkouts],
        has_billing_account=o.has_billing_account, payments_enabled=billing.stripe is not None,
        demo=billing.settings.billing_demo)


# ---- devices and pairing codes ----------------------------------------------------------------


@router.get("/account/devices", response_model=list[DeviceOut])
async def devices(who: Owner, billing: BillingDep) -> list[DeviceOut]:
    return [_device(d) for d in await account.devices(billing, who.tenant_id)]


@router.post("/account/devices/{device_id}/revoke", response_model=DeviceOut)
async def revoke(device_id: uuid.UUID, who: Owner, billing: BillingDep, pool: Pool) -> DeviceOut:
    await shops.revoke_device(pool, who.tenant_id, device_id)
    found = [d for d in await account.devices(billing, who.tenant_id) if d.device_id == device_id]
    return _device(found[0])


def _device(d: account.DeviceSync) -> DeviceOut:
    return DeviceOut(device_id=d.device_id, name=d.name, code=d.code, revoked=d.revoked,
                     paired_at=d.paired_at, last_sync_at=d.last_sync_at)


@router.post("/account/pairing-codes", response_model=PairingCodeOut, status_code=201)
async def pairing_code(who: Owner, pool: Pool) -> PairingCodeOut:
    issued = await shops.create_pairing_code(pool, who.tenant_id)
    return PairingCodeOut(code=issued.code, expires_at=issued.expires_at)


# ---- integrations and bot -----------------------------------------------------------------------


@router.get("/account/integrations", response_model=IntegrationsOut)
async def integrations(who: Owner, billing: BillingDep) -> IntegrationsOut:
    saved = await account.integrations(billing, who.tenant_id)
    return IntegrationsOut(
        saved=[IntegrationOut(kind=i.kind, label=account.KINDS[i.kind].label, settings=i.settings,
                              secrets=i.secrets, updated_at=i.updated_at) for i in saved],
        kinds=[KindOut(kind=k, label=v.label, settings=v.settings, secrets=v.secrets,
                       choices={n: list(c) for n, c in v.choices.items()})
               for k, v in account.KINDS.items()],
        webhooks=[WebhookOut(**asdict(w)) for w in await account.webhooks(billing, who.tenant_id)])


Short = Annotated[str, StringConstraints(max_length=300, pattern=PRINTABLE)]


class IntegrationIn(_Body):
    settings: dict[Annotated[str, StringConstraints(max_length=40, pattern=PRINTABLE)], Short] = {}
    # Left out or null: keep the stored secret; "": remove it.
    secrets: dict[Annotated[str, StringConstraints(max_length=40, pattern=PRINTABLE)],
                  Annotated[str, StringConstraints(max_length=2000, pattern=PRINTABLE)] | None] = {}


@router.put("/account/integrations/{kind}", response_model=IntegrationOut)
async def save_integration(kind: str, body: IntegrationIn, who: Owner,
                           billing: BillingDep) -> IntegrationOut:
    saved = await account.save_integration(billing, who.tenant_id, kind, dict(body.settings),
                                           dict(body.secrets))
    return IntegrationOut(kind=saved.kind, label=account.KINDS[kind].label,
                          settings=saved.settings, secrets=saved.secrets,
                          updated_at=saved.updated_at)


@router.delete("/account/integrations/{kind}", status_code=204)
async def remove_integration(kind: str, who: Owner, billing: BillingDep) -> None:
    await account.remove_integration(billing, who.tenant_id, kind)


class BotIn(_Body):
    enabled: bool
    greeting: Annotated[str, StringConstraints(max_length=500, pattern=PRINTABLE_LINES)] | None = None


@router.get("/account/bot", response_model=BotOut)
async def bot(who: Owner, billing: BillingDep) -> BotOut:
    return BotOut(**asdict(await account.bot_settings(billing, who.tenant_id)))


@router.put("/account/bot", response_model=BotOut)
async def save_bot(body: BotIn, who: Owner, billing: BillingDep) -> BotOut:
    saved = await account.save_bot_settings(billing, who.tenant_id, body.enabled, body.greeting)
    return BotOut(**asdict(saved))


# ---- the owner's WhatsApp and a forgotten password ----------------------------------------------

Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=20,
                                         pattern=PRINTABLE)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]
class PhoneIn(_Body):
    phone: Phone


class PhoneCodeIn(_Body):
    phone: Phone
    code: Code


def _sender(request: Request) -> owner_codes.CodeSender:
    sender: owner_codes.CodeSender = request.app.state.code_sender
    return sender


@router.post("/account/whatsapp/verify", status_code=202)
async def verify_whatsapp(body: PhoneIn, who: Owner, request: Request, pool: Pool) -> dict[str, str]:
    await owner_codes.start_verification(pool, _sender(request), who.tenant_id, who.owner_id,
                                         body.phone)
    return {"message": "Te enviamos un código por WhatsApp."}


@router.post("/account/whatsapp/confirm")
async def confirm_whatsapp(body: PhoneCodeIn, who: Owner, pool: Pool) -> dict[str, str]:
    phone = await owner_codes.finish_verification(pool, who.tenant_id, who.owner_id, body.phone,
                                                  body.code)
    return {"phone": phone}


class ResetIn(_Body):
    login: Login


class ResetConfirmIn(_Body):
    login: Login
    code: Code
    new_password: Password  # how strong: services/passwords.py, as at sign-up


class PasswordChangeIn(_Body):
    current_password: Password
    new_password: Password  # how strong: services/passwords.py, as at sign-up


@router.post("/account/password", response_model=Session)
async def change_password(body: PasswordChangeIn, who: Owner, request: Request, pool: Pool,
                          client: Client) -> Session:
    """A new password: every other session of the owner ends; this answer is the new one."""
    s = await accounts.change_password(pool, request.app.state.settings, who.tenant_id,
                                       who.owner_id, body.current_password, body.new_password,
                                       client)
    return Session(tenant_id=s.tenant_id, owner_id=s.owner_id, token=s.token)


@router.post("/owners/password-reset", status_code=202)
async def password_reset(body: ResetIn, request: Request, pool: Pool,
                         client: Client) -> dict[str, str]:
    settings: Settings = request.app.state.settings
    started = await owner_codes.start_reset(pool, settings, _sender(request), body.login,
                                            client)
    return {"sent_to": started.sent_to,
            "message": f"Te enviamos un código al WhatsApp que termina en {started.sent_to[-4:]}."}


@router.post("/owners/password-reset/confirm", response_model=Session)
async def password_reset_confirm(body: ResetConfirmIn, request: Request, pool: Pool,
                                 client: Client) -> Session:
    settings: Settings = request.app.state.settings
    s = await owner_codes.finish_reset(pool, settings, body.login, body.code, body.new_password,
                                       client)
    return Session(tenant_id=s.tenant_id, owner_id=s.owner_id, token=s.token)
