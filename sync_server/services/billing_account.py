"""The billing use cases routers call: Stripe's webhook, the plans on offer, Checkout, the
portal. The work is in ``sync_server/billing/``; this is its one door for the API layer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.errors import DomainError
from shared.plans import PlanLimits
from sync_server import db
from sync_server.billing import checkout, plan_change, stripe_sync
from sync_server.billing.checkout import CheckoutStarted
from sync_server.billing.context import Billing as Billing
from sync_server.billing.jobs_port import BillingForJobs as BillingForJobs
from sync_server.billing.worker import BillingWorker as BillingWorker
from sync_server.repositories import plans
from sync_server.repositories.plans import TokenPackage


async def receive_stripe_event(billing: Billing, payload: bytes, signature: str | None) -> bool:
    return await stripe_sync.receive(billing, payload, signature)


@dataclass(frozen=True)
class Offer:
    plans: list[PlanLimits]
    packages: list[TokenPackage]


async def offer(billing: Billing) -> Offer:
    async with db.unscoped_tx(billing.pool) as conn:
        found = [p.limits for p in await plans.all_plans(conn) if p.active]
        packages = await plans.token_packages(conn)
    return Offer(found, packages)


class MissingChoice(DomainError):
    code = "missing_choice"


async def start_checkout(
    billing: Billing, tenant_id: uuid.UUID, kind: str, *, plan: str | None = None,
    months: int | None = None, package: str | None = None,
) -> CheckoutStarted:
    if kind == "tokens":
        if not package:
            raise MissingChoice("Elige un paquete de tokens.")
        return await checkout.buy_tokens(billing, tenant_id, package)
    if not plan:
        raise MissingChoice("Elige un plan.")
    if kind == "prepaid":
        return await checkout.prepay(billing, tenant_id, plan, months or 1)
    return await checkout.subscribe(billing, tenant_id, plan)


async def portal(billing: Billing, tenant_id: uuid.UUID) -> str:
    return await checkout.portal(billing, tenant_id)


async def change_plan(billing: Billing, tenant_id: uuid.UUID, plan: str) -> str:
    return await plan_change.change_plan(billing, tenant_id, plan)
