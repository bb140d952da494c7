"""Operator commands for billing: list and edit plans (data, no code change; the shops on an
edited plan get a new plan record), and the missed-event backfill."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from shared.clock import utc_now
from sync_server import db
from sync_server.billing import plan_state, stripe_sync
from sync_server.billing.context import Billing
from sync_server.billing.worker import stripe_pass
from sync_server.repositories import plans
from sync_server.repositories.plans import Plan

log = logging.getLogger(__name__)


async def list_plans(billing: Billing) -> list[Plan]:
    async with db.unscoped_tx(billing.pool) as conn:
        return await plans.all_plans(conn)


async def edit_plan(billing: Billing, plan_id: str, changes: dict[str, Any]) -> int:
    """Change a plan; every shop on it gets its new plan record. How many shops got one."""
    async with db.unscoped_tx(billing.pool) as conn:
        if not await plans.update(conn, plan_id, changes):
            raise LookupError(f"no plan {plan_id!r}")
        tenants = await plans.tenants_on(conn, plan_id)
    for tenant_id in tenants:
        async with db.tenant_tx(billing.pool, tenant_id) as conn:
            await plan_state.publish(conn, tenant_id, billing.grace_days)
    log.info("plan edited", extra={"plan": plan_id, "shops": len(tenants)})
    return len(tenants)


@dataclass(frozen=True)
class Backfill:
    listed: int  # events Stripe still had for the period
    new: int  # of those, never received by the webhook
    handled: int  # events the worker handled in this run (new ones and any still due)


async def backfill(billing: Billing, days: int = 3) -> Backfill:
    """List Stripe's events of the last ``days`` (Stripe keeps 30) and store the ones never
    received, then handle whatever is due: the same path as the webhook, so an event seen
    both ways is handled once."""
    since = int((utc_now() - timedelta(days=days)).timestamp())
    events = await billing.account().events_since(since)
    new = 0
    # Stripe lists newest first; stored oldest first, a worker woken by the first store never
    # meets a subscription before the checkout that made it (it would wait a 30 s retry).
    for event in sorted(events, key=lambda e: (e.created, e.id)):
        body = event.to_dict()
        new += await stripe_sync.store(billing, body, "backfill", json.dumps(body))
    handled = await stripe_pass(billing, limit=10_000)
    log.info("stripe backfill", extra={"listed": len(events), "new": new, "handled": handled})
    return Backfill(len(events), new, handled)
