"""Stripe's events for the platform's account: received (verified, stored by id), and handled
once each by re-reading the object's current state from Stripe.

Stripe retries for days and never promises an order, so an event is only a hint of *which*
object changed: the handler retrieves that object (session, subscription) and writes what
Stripe says now. A ``customer.subscription.updated`` delivered after ``…deleted`` re-reads a
cancelled subscription and changes nothing; a duplicate finds its purchase already granted.
Unknown event types are stored, acknowledged and marked ``ignored``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.clock import utc_now
from shared.plans import add_months
from sync_server import db
from sync_server.billing import plan_state
from sync_server.billing.context import Billing, BillingNotConfigured
from sync_server.integrations.stripe_api import StripeAccount, field, verify
from sync_server.repositories import Connection, plans, stripe_events, subscriptions
from sync_server.repositories.subscriptions import LIVE, Checkout

log = logging.getLogger(__name__)

SESSION_EVENTS = frozenset({
    "checkout.session.completed", "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed", "checkout.session.expired"})
SUBSCRIPTION_EVENTS = frozenset({
    "customer.subscription.created", "customer.subscription.updated",
    "customer.subscription.deleted", "customer.subscription.paused",
    "customer.subscription.resumed", "customer.subscription.trial_will_end"})
INVOICE_EVENTS = frozenset({"invoice.paid", "invoice.payment_failed",
                            "invoice.payment_succeeded", "invoice.payment_action_required"})
HANDLED = SESSION_EVENTS | SUBSCRIPTION_EVENTS | INVOICE_EVENTS

# Stripe's subscription status → ours. "incomplete": the first payment never went through.
_STATUS = {"trialing": "trial", "active": "active", "past_due": "past_due", "unpaid": "past_due",
           "canceled": "cancelled", "incomplete_expired": "cancelled", "paused": "cancelled",
           "incomplete": "gratis"}


# ---- receiving --------------------------------------------------------------------------------


async def receive(billing: Billing, payload: bytes, signature: str | None) -> bool:
    """Verify a webhook delivery and store its event; True if it was new. A bad signature
    raises before anything is stored."""
    secret = billing.settings.stripe_webhook_secret
    if secret is None:
        raise BillingNotConfigured("Este servidor no recibe eventos de Stripe.")
    event = verify(payload, signature, secret.get_secret_value(),
                   billing.settings.stripe_webhook_tolerance_s)
    return await store(billing, event, "webhook", payload.decode("utf-8"))


async def store(billing: Billing, event: dict[str, Any], source: str, raw: str) -> bool:
    """Store an event by its id; True if it is new. An event created before the clean-up's
    horizon (MCH_WEBHOOK_EVENTS_KEEP_DAYS) is acknowledged and dropped: its row may have been
    cleaned up, so "new" could not be told from "handled long ago", and Stripe sends none that
    old (it retries for 3 days and lists 30)."""
    created = datetime.fromtimestamp(event["created"], UTC)
    if created < utc_now() - timedelta(days=billing.settings.webhook_events_keep_days):
        log.warning("stripe event older than the events kept: dropped",
                    extra={"event_id": event["id"], "type": event["type"], "source": source})
        return False
    async with db.unscoped_tx(billing.pool) as conn:
        return await stripe_events.insert(
            conn, event["id"], event["type"], created, bool(event.get("livemode")), raw, source)


# ---- handling ---------------------------------------------------------------------------------


async def handle(billing: Billing, kind: str, event: dict[str, Any]) -> str:
    """Act on one stored event; the outcome, in words, for the events table. Raises on what is
    worth retrying (Stripe unreachable, the database)."""
    if kind not in HANDLED:
        return "ignored"
    account = billing.account()
    obj = field(event, "data", "object") or {}
    if kind in SESSION_EVENTS:
        return await _session(billing, account, str(obj.get("id")))
    if kind in SUBSCRIPTION_EVENTS:
        return await _subscription(billing, account, str(obj.get("id")))
    sub_id = field(obj, "parent", "subscription_details", "subscription")
    if not sub_id:
        return "ignored: invoice without a subscription"
    return await _subscription(billing, account, str(sub_id))


def checkout_status(status: str | None, payment_status: str | None, intent: str | None) -> str:
    """Where a Checkout session stands, from Stripe's current view of it and its payment.
    An OXXO voucher leaves the session ``complete`` and ``unpaid``: pending, until it is paid
    or its payment intent gives up (the voucher expired)."""
    if payment_status in ("paid", "no_payment_required"):
        return "paid"
    if status == "expired":
        return "expired"
    if status == "complete":
        return "failed" if intent in ("canceled", "requires_payment_method") else "pending"
    return "open"


async def _session(billing: Billing, account: StripeAccount, session_id: str) -> str:
    read_at = utc_now()
    session = await account.session(session_id)
    tenant_id = _tenant(field(session, "metadata", "tenant_id"))
    if tenant_id is None:
        return "ignored: not a shop's session"
    intent = None
    if session.status == "complete" and session.payment_status == "unpaid" and session.payment_intent:
        intent = (await account.payment_intent(str(session.payment_intent))).status
    status = checkout_status(session.status, session.payment_status, intent)
    sub = None
    if session.mode == "subscription" and session.subscription:
        sub = await account.subscription(str(session.subscription))
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        await subscriptions.take_turn(conn, tenant_id)
        if await subscriptions.get_checkout(conn, tenant_id, session_id) is None:
            return "ignored: unknown session"
        await subscriptions.settle_checkout(conn, tenant_id, session_id, status)
        outcome = f"checkout {status}"
        granted = await subscriptions.claim_grant(conn, tenant_id, session_id)
        if granted:
            outcome += await _grant(billing, conn, tenant_id, granted)
        if sub is not None:
            outcome += await _save_subscription(conn, tenant_id, sub, read_at)
        await plan_state.publish(conn, tenant_id, billing.grace_days)
    return outcome


async def _grant(billing: Billing, conn: Connection, tenant_id: uuid.UUID,
                 checkout: Checkout) -> str:
    if checkout.purpose == "tokens" and checkout.tokens:
        # The meter credits in a transaction of its own, once per purchase id, before this one
        # commits the grant: a crash between the two re-handles the event, the meter answers
        # "already credited" and the grant is claimed then. Nothing is lost or credited twice.
        fresh = await billing.meter.credit_package(tenant_id, f"stripe:{checkout.session_id}",
                                                   checkout.tokens)
        return f"; {checkout.tokens} tokens credited" + ("" if fresh else " before")
    if checkout.purpose == "prepaid" and checkout.months and checkout.plan_id:
        free = await plans.free(conn)
        sub = await subscriptions.ensure(conn, tenant_id, free.limits.code)
        now = utc_now()
        start = max(now, sub.prepaid_until) if sub.prepaid_until else now
        until = add_months(start, checkout.months)
        await subscriptions.extend_prepaid(conn, tenant_id, checkout.plan_id, until)
        return f"; prepaid until {until.isoformat()}"
    return ""


async def _subscription(billing: Billing, account: StripeAccount, sub_id: str) -> str:
    read_at = utc_now()
    sub = await account.subscription(sub_id)
    tenant_id = _tenant(field(sub, "metadata", "tenant_id"))
    if tenant_id is None and sub.customer:
        async with db.unscoped_tx(billing.pool) as conn:
            tenant_id = await subscriptions.tenant_of_customer(conn, str(sub.customer))
    if tenant_id is None:
        return "ignored: not a shop's subscription"
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        await subscriptions.take_turn(conn, tenant_id)
        outcome = await _save_subscription(conn, tenant_id, sub, read_at)
        await plan_state.publish(conn, tenant_id, billing.grace_days)
    return outcome.removeprefix("; ")


async def _save_subscription(conn: Connection, tenant_id: uuid.UUID, sub: Any,
                             read_at: datetime) -> str:
    """Write the subscription as Stripe showed it; a reading older than the stored one (a
    slower worker) writes nothing."""
    free = await plans.free(conn)
    stored = await subscriptions.ensure(conn, tenant_id, free.limits.code)
    status = _STATUS.get(str(sub.status), "cancelled")
    if stored.live and stored.stripe_subscription_id != str(sub.id) and status not in LIVE:
        # A late event of a subscription the shop ended before taking the one it has now:
        # the ended one is not the shop's state any more.
        return f"; subscription {sub.status} is not the shop's current one (kept)"
    item = field(sub, "items", "data", 0)
    lookup = field(item, "price", "lookup_key")
    plan = await plans.by_lookup_key(conn, lookup) if lookup else None
    past_due_since = None
    if status == "past_due":
        past_due_since = stored.past_due_since if stored.status == "past_due" else read_at
    renews = field(sub, "trial_end") if sub.status == "trialing" else field(
        item, "current_period_end")
    if not stored.stripe_customer_id and sub.customer:
        await subscriptions.set_customer(conn, tenant_id, str(sub.customer))
    written = await subscriptions.save_stripe_state(
        conn, tenant_id, read_at, plan_id=plan.limits.code if plan else stored.plan_id,
        status=status, subscription_id=str(sub.id), stripe_status=str(sub.status),
        renews_at=datetime.fromtimestamp(renews, UTC) if renews else None,
        cancel_at_period_end=bool(field(sub, "cancel_at_period_end")),
        past_due_since=past_due_since)
    return f"; subscription {sub.status}" + ("" if written else " (older reading, kept newer)")


def _tenant(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
