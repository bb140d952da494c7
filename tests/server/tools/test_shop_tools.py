"""Shop tools: its own data, its devices and the stale ones, its plan and tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sync_server.services import device_sync
from sync_server.services.tokens import TokenMeter, fixed_plan
from sync_server.tools.base import CallerRole
from tests.server.tools.conftest import NOW
from tests.support.billing import put_on_plan
from tests.support.shop_facts import PairedTill

pytestmark = pytest.mark.anyio


async def test_shop_info_for_anyone(shop):
    out = await shop.call("shop_info", role=CallerRole.CUSTOMER, customer_id=shop.tenant_id)
    assert out.name == "Abarrotes Doña Mary"
    assert out.timezone == "America/Mexico_City"


async def test_devices_with_their_last_sync_and_the_stale_ones(shop, settings):
    await device_sync.pull(shop.pool, shop.till.cred, 0, 10, False)  # Caja 1 syncs now
    await put_on_plan(shop.pool, shop.tenant_id)  # a second till: more than the free plan's one
    quiet = await PairedTill.pair(shop.pool, settings, shop.tenant_id, "Caja 2")
    out = await shop.call("devices_status")
    by_name = {d.name: d for d in out.devices}
    assert by_name["Caja 1"].last_sync_at is not None
    assert by_name["Caja 2"].last_sync_at is None
    assert quiet.cred.device_id == by_name["Caja 2"].device_id
    # Seen from a year later, both are stale.
    shop.env = type(shop.env)(shop.pool, shop.env.plan_for, clock=lambda: NOW + timedelta(days=400))
    later = await shop.call("devices_status")
    assert all(d.stale for d in later.devices)
    assert "sin sincronizar en más de un día" in later.summary


async def test_plan_and_tokens(shop):
    meter = TokenMeter(shop.pool, fixed_plan("Básico", 300), clock=lambda: NOW)
    await meter.charge(shop.tenant_id, "llamada-1", "openai", "gpt-4o-mini", 1200, 300)
    await meter.credit_package(shop.tenant_id, "compra-1", 1000)
    out = await shop.call("plan_and_tokens")
    assert (out.plan, out.monthly_tokens, out.allowance_left, out.packages_left) == (
        "Básico", 300, 298, 1000)
    assert (out.llm_input_tokens, out.llm_output_tokens, out.calls) == (1200, 300, 1)
