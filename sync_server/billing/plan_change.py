"""A subscriber switches plan in the app: the live Stripe subscription gets the new plan's
price (Stripe prorates as it does by default). Nothing changes here: the plan follows the
``customer.subscription.updated`` event Stripe sends, re-read like any other (stripe_sync)."""

from __future__ import annotations

import logging
import uuid

import stripe

from shared.errors import DomainError
from shared.ids import new_uuid7
from sync_server import db
from sync_server.billing.checkout import paid_plan
from sync_server.billing.context import Billing
from sync_server.integrations.stripe_api import field, unavailable
from sync_server.repositories import subscriptions

log = logging.getLogger(__name__)


class NotSubscribed(DomainError):
    code = "not_subscribed"


class SamePlan(DomainError):
    code = "same_plan"


async def change_plan(billing: Billing, tenant_id: uuid.UUID, plan_id: str) -> str:
    """Ask Stripe to bill the shop's subscription at ``plan_id``'s price from now on; returns
    the plan's name. Refused without a subscription Stripe still bills (prepaid months and
    the free plan change by buying), or for the plan it already has."""
    plan = await paid_plan(billing, plan_id)
    account = billing.account()
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        sub = await subscriptions.get(conn, tenant_id)
    if sub is None or not sub.live or not sub.stripe_subscription_id:
        raise NotSubscribed("Tu tienda no tiene una suscripción con tarjeta que cambiar. "
                            "Suscríbete al plan que quieras.")
    if sub.plan_id == plan_id:
        raise SamePlan(f"Tu tienda ya tiene el plan {plan.limits.name}.")
    try:
        price = await account.price_for(plan.stripe_lookup_key or "", plan.limits.name,
                                        plan.limits.monthly_price)
        current = await account.subscription(sub.stripe_subscription_id)
        item = field(current, "items", "data", 0, "id")
        if not item:
            raise NotSubscribed("La suscripción no tiene un plan que cambiar.")
        await account.change_price(sub.stripe_subscription_id, str(item), price,
                                   {"tenant_id": str(tenant_id), "plan_id": plan_id},
                                   idempotency_key=f"plan-{tenant_id}-{new_uuid7()}")
    except stripe.StripeError as exc:
        raise unavailable(exc) from None
    log.info("plan change asked", extra={"tenant_id": str(tenant_id), "plan_id": plan_id})
    return plan.limits.name
