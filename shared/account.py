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
    # A subscription Stripe bills (trial, active, past due): it changes plan, it is never
    # subscribed to twice. Absent from older servers: read as False.
    subscribed: bool = False


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


class PlanChangeOut(BaseModel):
    """``POST /v1/billing/plan``: the change was asked of Stripe; the plan follows its event."""

    plan: str
    message: str


class McpKeyOut(BaseModel):
    """An MCP key of the shop (``/v1/owner/mcp-keys``): only its hint, never the secret."""

    key_id: uuid.UUID
    name: str
    hint: str
    role: str
    can_write: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class CreatedMcpKey(McpKeyOut):
    token: str  # shown this once: the server keeps only a hash of it


class JobOut(BaseModel):
    """A scheduled job of the shop and the owner's choice for it (``/v1/account/jobs``)."""

    job: str
    title: str
    description: str
    enabled: bool
    at: str | None  # HH:MM shop time; None: checked every hour
    default_enabled: bool
    default_at: str | None
    customer_facing: bool
    quiet_hours: str | None = None  # "21:00–09:00" when it reaches customers (servers before: None)


class JobRunOut(BaseModel):
    """One run of a job (``/v1/account/jobs/runs``): sent, skipped and why, or failed."""

    job: str
    title: str
    period: str
    scheduled_for: datetime
    status: str
    reason: str | None
    late: bool
    finished_at: datetime | None
    attempts: int
    text: str | None
