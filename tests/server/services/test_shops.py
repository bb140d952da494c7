"""Shops and devices as use cases: create, issue pairing codes, pair, list and revoke."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.catalog import load_starter_catalog
from sync_server.db import tenant_tx
from sync_server.repositories import devices, feed, tenants
from sync_server.services import shops
from sync_server.services.throttling import TooManyAttempts
from tests.support.billing import put_on_plan

pytestmark = pytest.mark.anyio


async def test_a_new_shop_puts_its_catalog_in_the_feed(pool):
    catalog = load_starter_catalog()[:5]
    shop = await shops.create_shop(pool, "Abarrotes Doña Mary", catalog)
    async with tenant_tx(pool, shop.tenant_id) as conn:
        head = await tenants.feed_head(conn, shop.tenant_id)
        page = await feed.page(conn, shop.tenant_id, 0, head, None, 100)
    entities = [json.loads(r["body"])["entity"] for r in page]
    assert entities.count("product") == 5
    assert head == len(page)


async def test_pairing_trades_a_code_for_a_credential_once(pool, settings):
    shop = await shops.create_shop(pool, "Tienda")
    await put_on_plan(pool, shop.tenant_id)  # two tills: more than the free plan's one
    code = await shops.create_pairing_code(pool, shop.tenant_id)
    first = await shops.pair_device(pool, settings, code.code.lower(), "Caja 1", "10.0.0.1")
    assert (first.tenant_id, first.device_code, first.shop_name) == (shop.tenant_id, "C1", "Tienda")
    with pytest.raises(shops.PairingCodeInvalid):
        await shops.pair_device(pool, settings, code.code, "Caja 2", "10.0.0.1")
    second = await shops.pair_device(pool, settings, (await shops.create_pairing_code(
        pool, shop.tenant_id)).code, "Caja 2", "10.0.0.1")
    assert second.device_code == "C2"


async def test_wrong_codes_are_throttled_per_address(pool, settings):
    settings.auth_failures_allowed = 2
    shop = await shops.create_shop(pool, "Tienda")
    for _ in range(2):
        with pytest.raises(shops.PairingCodeInvalid):
            await shops.pair_device(pool, settings, "AAAAAAAA", "Intruso", "10.0.0.9")
    good = await shops.create_pairing_code(pool, shop.tenant_id)
    with pytest.raises(TooManyAttempts):
        await shops.pair_device(pool, settings, good.code, "Intruso", "10.0.0.9")
    paired = await shops.pair_device(pool, settings, good.code, "Caja", "10.0.0.10")
    assert paired.device_code == "C1"


async def test_revoking_a_device_and_listing_them(pool, settings):
    shop = await shops.create_shop(pool, "Tienda")
    code = await shops.create_pairing_code(pool, shop.tenant_id)
    paired = await shops.pair_device(pool, settings, code.code, "Caja 1", "10.0.0.1")
    revoked = await shops.revoke_device(pool, shop.tenant_id, paired.device_id)
    again = await shops.revoke_device(pool, shop.tenant_id, paired.device_id)
    assert (revoked.revoked, again.revoked) == (True, True)
    listed = await shops.list_devices(pool, shop.tenant_id)
    assert [(d.code, d.revoked) for d in listed] == [("C1", True)]


async def test_another_shops_device_looks_missing(pool, settings):
    mine = await shops.create_shop(pool, "Mía")
    theirs = await shops.create_shop(pool, "Suya")
    code = await shops.create_pairing_code(pool, theirs.tenant_id)
    device = await shops.pair_device(pool, settings, code.code, "Caja", "10.0.0.1")
    for device_id in (device.device_id, uuid.uuid4()):
        with pytest.raises(shops.DeviceNotFound):
            await shops.revoke_device(pool, mine.tenant_id, device_id)
    async with tenant_tx(pool, theirs.tenant_id) as conn:
        row = await devices.get(conn, theirs.tenant_id, device.device_id)
    assert row is not None
    assert not row.revoked
    assert await shops.list_devices(pool, mine.tenant_id) == []
