"""Test builders for billing. They bypass Stripe and the webhook path on purpose: they write a
shop's subscription row directly and publish its plan record, to set up tests that are about
something else (a shop needing more tills than the free plan's one)."""

from __future__ import annotations

import uuid

from sync_server import db
from sync_server.billing import plan_state
from sync_server.repositories import Pool, subscriptions


async def put_on_plan(pool: Pool, tenant_id: uuid.UUID, plan_id: str = "tiendita",
                      status: str = "active") -> None:
    """BYPASSES billing: the shop is on ``plan_id`` in ``status`` as if Stripe had said so."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        await subscriptions.ensure(conn, tenant_id, "gratis")
        await conn.execute("UPDATE subscriptions SET plan_id = $2, status = $3 WHERE tenant_id = $1",
                           tenant_id, plan_id, status)
        await plan_state.publish(conn, tenant_id, grace_days=7)
