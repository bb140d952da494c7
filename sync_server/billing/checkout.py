"""What an owner buys through Stripe Checkout: a subscription (card, with a trial), prepaid
months or a token package (one-time payments, card or OXXO), and the Customer Portal.

Each use case asks Stripe for a session with no transaction open, then records what the
session buys in the shop's ``billing_checkouts``. Nothing is granted here: only a verified
webhook (or the backfill), re-read from Stripe, grants (see ``stripe_sync``).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import stripe

from shared.clock import shown_date, utc_now
from shared.errors import DomainError
from shared.ids import new_uuid7
from sync_server import db
from sync_server.billing.context import Billing
from sync_server.integrations.stripe_api import StripeAccount, unavailable
from sync_server.repositories import owner_account, plans, subscriptions, tenants
from sync_server.repositories.plans import Plan
from sync_server.repositories.subscriptions import Subscription

log = logging.getLogger(__name__)

OXXO_DAYS = 3  # an OXXO voucher can be paid until 23:59 (Mexico City) of the third day
MAX_PREPAID_MONTHS = 12


class UnknownPlan(DomainError):
    code = "unknown_plan"


class UnknownPackage(DomainError):
    code = "unknown_package"


class NoBillingAccount(DomainError):
    code = "no_billing_account"


class AlreadySubscribed(DomainError):
    code = "already_subscribed"


class OtherPrepaidPlan(DomainError):
    code = "other_prepaid_plan"


class PrepaidRunning(DomainError):
    code = "prepaid_running"


async def _no_paid_time_twice(billing: Billing, tenant_id: uuid.UUID, purpose: str,
                              plan_id: str) -> Subscription | None:
    """The shop's subscription row, after refusing what would charge twice for the same time:
    anything beside a subscription Stripe still bills; a subscription while prepaid months
    run; months of another plan than the ones running (they would turn those into its)."""
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        sub = await subscriptions.get(conn, tenant_id)
        running = sub is not None and sub.prepaid_until is not None \
            and sub.prepaid_until > utc_now()
        prepaid = await plans.get(conn, sub.prepaid_plan_id) \
            if running and sub is not None and sub.prepaid_plan_id else None
        zone = ZoneInfo(await tenants.get_timezone(conn, tenant_id) or "America/Mexico_City")
    if sub is None:
        return None
    if sub.live:
        # A second Checkout would make a second subscription, and Stripe would charge both.
        raise AlreadySubscribed("Tu tienda ya tiene una suscripción. Para cambiar de plan, de "
                                "tarjeta o cancelarla, usa el portal de pagos («Cambiar "
                                "tarjeta o cancelar»).")
    if running and sub.prepaid_until is not None:
        name = prepaid.limits.name if prepaid else sub.prepaid_plan_id
        until = shown_date(sub.prepaid_until, zone)
        if purpose == "subscription":
            raise PrepaidRunning(f"Tus meses pagados del plan {name} terminan el {until}: "
                                 "suscríbete con tarjeta a partir de ese día, o paga más meses.")
        if sub.prepaid_plan_id != plan_id:
            raise OtherPrepaidPlan(f"Tienes meses pagados del plan {name} hasta el {until}. "
                                   f"Paga más meses del plan {name}, o cambia de plan cuando "
                                   "terminen.")
    return sub


@dataclass(frozen=True)
class CheckoutStarted:
    session_id: str
    url: str
    purpose: str
    amount: int


async def paid_plan(billing: Billing, plan_id: str) -> Plan:
    async with db.unscoped_tx(billing.pool) as conn:
        plan = await plans.get(conn, plan_id)
    if plan is None or plan.is_free or not plan.active or not plan.stripe_lookup_key:
        raise UnknownPlan("Ese plan no existe o no se puede contratar.")
    return plan


async def _customer(billing: Billing, account: StripeAccount, tenant_id: uuid.UUID) -> str:
    """The shop's Stripe customer, made the first time it buys anything."""
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        free = await plans.free(conn)
        sub = await subscriptions.ensure(conn, tenant_id, free.limits.code)
        name = await tenants.get_name(conn, tenant_id) or "Tienda"
        email = await owner_account.first_email(conn, tenant_id)
    if sub.stripe_customer_id:
        return sub.stripe_customer_id
    customer_id = await account.create_customer(str(tenant_id), name, email)
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        await subscriptions.set_customer(conn, tenant_id, customer_id)
    return customer_id


async def _start(
    billing: Billing, tenant_id: uuid.UUID, params: dict[str, Any], purpose: str, amount: int,
    **what: Any,
) -> CheckoutStarted:
    account = billing.account()
    metadata = {"tenant_id": str(tenant_id), "purpose": purpose,
                **{k: str(v) for k, v in what.items() if v is not None}}
    try:
        customer = await _customer(billing, account, tenant_id)
        session = await account.create_session({
            **params, "customer": customer, "client_reference_id": str(tenant_id),
            "metadata": metadata, "locale": "es-419",
            "success_url": billing.return_url("pagado") + "&session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": billing.return_url("cancelado"),
        }, idempotency_key=f"checkout-{tenant_id}-{new_uuid7()}")
    except stripe.StripeError as exc:
        log.warning("checkout session refused", extra={"tenant_id": str(tenant_id),
                                                        "error": str(exc)[:300]})
        raise unavailable(exc) from None
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        await subscriptions.insert_checkout(conn, tenant_id, session.id, purpose, amount=amount,
                                            url=session.url, **what)
    log.info("checkout started", extra={"tenant_id": str(tenant_id), "purpose": purpose})
    return CheckoutStarted(session.id, session.url, purpose, amount)


async def subscribe(billing: Billing, tenant_id: uuid.UUID, plan_id: str) -> CheckoutStarted:
    """Checkout in subscription mode (cards: Stripe takes no OXXO for subscriptions), with
    the free trial if the shop never had one."""
    plan = await paid_plan(billing, plan_id)
    account = billing.account()
    sub = await _no_paid_time_twice(billing, tenant_id, "subscription", plan_id)
    try:
        price = await account.price_for(plan.stripe_lookup_key or "", plan.limits.name,
                                        plan.limits.monthly_price)
    except stripe.StripeError as exc:
        raise unavailable(exc) from None
    trial = billing.settings.billing_trial_days if not (sub and sub.trial_used) else 0
    data: dict[str, Any] = {"metadata": {"tenant_id": str(tenant_id), "plan_id": plan_id}}
    if trial:
        data["trial_period_days"] = trial
    params = {"mode": "subscription", "payment_method_types": ["card"],
              "line_items": [{"price": price, "quantity": 1}], "subscription_data": data}
    started = await _start(billing, tenant_id, params, "subscription",
                           plan.limits.monthly_price, plan_id=plan_id)
    await _expire_older(billing, account, tenant_id, started.session_id)
    return started


async def _expire_older(billing: Billing, account: StripeAccount, tenant_id: uuid.UUID,
                        session_id: str) -> None:
    """Two presses of «Suscribirme» (or a press, a change of mind and another) must not end
    in two subscriptions: the last page opened is the one that works, and every older open
    subscription session is expired at Stripe. Only older ones: two presses at once each
    expire what came before their own, so exactly the newest survives."""
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        older = await subscriptions.open_subscription_checkouts_before(conn, tenant_id, session_id)
    for old in older:
        try:
            await account.expire_session(old)
        except stripe.StripeError as exc:
            # Finished meanwhile (Stripe expires only open sessions): that one made the
            # subscription, so the page just opened must not make a second one.
            log.warning("older checkout session not expired", extra={
                "tenant_id": str(tenant_id), "error": str(exc)[:300]})
            await _refuse_newer(billing, account, tenant_id, session_id)
        async with db.tenant_tx(billing.pool, tenant_id) as conn:
            await subscriptions.settle_checkout(conn, tenant_id, old, "expired")


async def _refuse_newer(billing: Billing, account: StripeAccount, tenant_id: uuid.UUID,
                        session_id: str) -> None:
    try:
        await account.expire_session(session_id)
    except stripe.StripeError as exc:
        raise unavailable(exc) from None
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        await subscriptions.settle_checkout(conn, tenant_id, session_id, "expired")
    raise AlreadySubscribed("Ya hay una suscripción pagándose desde otra página: espera unos "
                            "minutos y revisa tu plan.")


async def prepay(billing: Billing, tenant_id: uuid.UUID, plan_id: str, months: int) -> CheckoutStarted:
    """Months of a plan paid at once (card or OXXO): a one-time payment that extends the
    paid period; no subscription, nothing charged again."""
    if not 1 <= months <= MAX_PREPAID_MONTHS:
        raise UnknownPlan(f"Puedes pagar de 1 a {MAX_PREPAID_MONTHS} meses por adelantado.")
    plan = await paid_plan(billing, plan_id)
    await _no_paid_time_twice(billing, tenant_id, "prepaid", plan_id)
    amount = plan.limits.monthly_price * months
    label = "mes" if months == 1 else "meses"
    params = _one_time(f"MiChangarrito {plan.limits.name}: {months} {label}", amount)
    return await _start(billing, tenant_id, params, "prepaid", amount, plan_id=plan_id,
                        months=months)


async def buy_tokens(billing: Billing, tenant_id: uuid.UUID, package_id: str) -> CheckoutStarted:
    """A package of AI tokens (card or OXXO); credited once it is paid."""
    async with db.unscoped_tx(billing.pool) as conn:
        package = await plans.token_package(conn, package_id)
    if package is None:
        raise UnknownPackage("Ese paquete de tokens no existe.")
    params = _one_time(f"{package.tokens:,} tokens de IA para MiChangarrito", package.price)
    return await _start(billing, tenant_id, params, "tokens", package.price,
                        package_id=package_id, tokens=package.tokens)


def _one_time(name: str, amount: int) -> dict[str, Any]:
    return {"mode": "payment", "payment_method_types": ["card", "oxxo"], "currency": "mxn",
            "line_items": [{"price_data": {"currency": "mxn", "unit_amount": amount,
                                           "product_data": {"name": name}}, "quantity": 1}],
            "payment_method_options": {"oxxo": {"expires_after_days": OXXO_DAYS}}}


async def portal(billing: Billing, tenant_id: uuid.UUID) -> str:
    """The Customer Portal, where the owner changes the card or cancels."""
    account = billing.account()
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        sub = await subscriptions.get(conn, tenant_id)
    if sub is None or not sub.stripe_customer_id:
        raise NoBillingAccount("Tu tienda todavía no tiene una suscripción que administrar.")
    try:
        return await account.portal_url(sub.stripe_customer_id, billing.return_url("portal"))
    except stripe.StripeError as exc:
        raise unavailable(exc) from None
