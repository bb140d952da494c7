"""The owner's account API as both ends read it: what ``/v1/account`` answers (the server's
routers build these, the till's Cuenta en línea reads them). Times are aware UTC, money
integer centavos; docs/billing.md describes each call."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class Limits(BaseModel):
    code: str
    name: str
    monthly_price: int
    max_tills: int
    max_products: int | None
    max_users: int | None
    whatsapp_bot: bool
    monthly_tokens: int


class PlanOut(BaseModel):
    plan: Limits  # the plan paid for
    in_force: Limits  # what the shop may use now
    status: str
    status_label: str
    paid_features: bool
    note: str
    paid_until: datetime | None
    grace_until: datetime | None
    renews_at: datetime | None
    cancel_at_period_end: bool


class UsageOut(BaseModel):
    tills: int
    products: int
    users: int
    tokens_monthly_allowance: int
    tokens_from_packages: int
    tokens_used_this_month: int  # of the month's allowance; packages are spent after it


class PurchaseOut(BaseModel):
    session_id: str
    purpose: str
    amount: int
    status: str
    created_at: datetime


class AccountOut(BaseModel):
    shop_name: str
    timezone: str
    plan: PlanOut
    usage: UsageOut
    purchases: list[PurchaseOut]
    has_billing_account: bool
    payments_enabled: bool
    demo: bool


class DeviceOut(BaseModel):
    device_id: uuid.UUID
    name: str
    code: str
    revoked: bool
    paired_at: datetime
    last_sync_at: datetime | None


class PairingCodeOut(BaseModel):
    code: str
    expires_at: datetime


class IntegrationOut(BaseModel):
    kind: str
    label: str
    settings: dict[str, Any]
    secrets: dict[str, str]  # masked
    updated_at: datetime | None


class KindOut(BaseModel):
    kind: str
    label: str
    settings: dict[str, str]
    secrets: dict[str, str]
    choices: dict[str, list[str]]


class WebhookOut(BaseModel):
    provider: str
    url: str


class IntegrationsOut(BaseModel):
    saved: list[IntegrationOut]
    kinds: list[KindOut]
    webhooks: list[WebhookOut]  # notification address per connected payment provider


class BotOut(BaseModel):
    enabled: bool
    greeting: str | None
    allowed_by_plan: bool
    answering: bool


class Session(BaseModel):
    tenant_id: uuid.UUID
    owner_id: uuid.UUID
    token: str


class OfferedPlan(BaseModel):
    code: str
    name: str
    monthly_price: int
    max_tills: int
    max_products: int | None
    max_users: int | None
    whatsapp_bot: bool
    monthly_tokens: int
    description: str


class PackageOut(BaseModel):
    package_id: str
    tokens: int
    price: int


class Offer(BaseModel):
    plans: list[OfferedPlan]
    token_packages: list[PackageOut]
    payments_enabled: bool
    demo: bool  # the platform's Stripe is a local stand-in: nothing is really charged


class CheckoutOut(BaseModel):
    session_id: str
    url: str
    amount: int


class PortalOut(BaseModel):
    url: str
