"""Billing answers the jobs' port for real: which plan notices are due at a moment (a trial
ending within three days, a failed payment with its grace period's end), and no pay link line
for a shop with no payment provider connected."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from shared.clock import utc_now
from sync_server.db import tenant_tx
from sync_server.services.billing_account import Billing, BillingForJobs
from tests.support.billing import put_on_plan

pytestmark = pytest.mark.anyio


async def test_the_plan_notices_billing_says_are_due(pool, make_shop, settings):
    shop = await make_shop()
    port = BillingForJobs(Billing.from_settings(pool, settings))
    now = utc_now()

    async def due_at(when):
        async with tenant_tx(pool, shop.tenant_id) as conn:
            return [n.key.split(":")[0] for n in await port.due(conn, shop.tenant_id, when)]

    assert await due_at(now) == []  # Gratis: nothing to tell
    ends = now + timedelta(days=5)
    await put_on_plan(pool, shop.tenant_id, "changarrito", "trial", renews_at=ends)
    assert await due_at(now) == []  # five days ahead: not yet
    assert await due_at(now + timedelta(days=3)) == ["trial_ends"]
    assert await due_at(ends + timedelta(minutes=1)) == []  # over: the trial's notice is gone

    await put_on_plan(pool, shop.tenant_id, "changarrito", "past_due",
                      past_due_since=now - timedelta(days=1))
    async with tenant_tx(pool, shop.tenant_id) as conn:
        (failed,) = await port.due(conn, shop.tenant_id, now)
    assert failed.key.startswith("payment_failed:")  # keyed by the grace period's end: once
    assert "No se pudo cobrar tu plan Changarrito" in failed.text
    assert "Vender, fiar y los cortes siguen igual" in failed.text


async def test_no_pay_link_line_without_a_provider(pool, make_shop, settings):
    shop = await make_shop()
    port = BillingForJobs(Billing.from_settings(pool, settings))
    assert await port.line(shop.tenant_id, uuid.uuid4(), 20_000) is None
