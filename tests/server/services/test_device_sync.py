"""A paired till's use cases: credentials are checked, pushes applied, pulls paged, state told."""

from __future__ import annotations

import dataclasses
import json

import pytest

from shared.catalog import load_starter_catalog, starter_product_id
from sync_server.services import device_sync, shops
from sync_server.services.credentials import DeviceCredential, parse_credential
from sync_server.sync.apply import DeviceRevoked
from tests.support.billing import put_on_plan
from tests.support.wire_changes import TillChanges

pytestmark = pytest.mark.anyio


async def _paired(pool, settings, name="Caja 1") -> tuple[shops.Shop, DeviceCredential]:
    shop = await shops.create_shop(pool, "Tienda", load_starter_catalog()[:3])
    await put_on_plan(pool, shop.tenant_id)  # more than the free plan's one till
    code = await shops.create_pairing_code(pool, shop.tenant_id)
    paired = await shops.pair_device(pool, settings, code.code, name, "10.0.0.1")
    cred = parse_credential(paired.credential)
    assert cred is not None
    return shop, cred


async def test_a_wrong_secret_or_a_revoked_device_is_refused(pool, settings):
    shop, cred = await _paired(pool, settings)
    await device_sync.check_device(pool, cred)
    forged = dataclasses.replace(cred, secret="x" * 43)
    with pytest.raises(device_sync.InvalidCredential):
        await device_sync.check_device(pool, forged)
    await shops.revoke_device(pool, shop.tenant_id, cred.device_id)
    for call in (device_sync.check_device(pool, cred), device_sync.device_state(pool, cred),
                 device_sync.pull(pool, cred, 0, 10, False), device_sync.pairing_code(pool, cred)):
        with pytest.raises(DeviceRevoked):
            await call


async def test_a_push_is_applied_once_and_other_tills_pull_it(pool, settings):
    shop, a = await _paired(pool, settings, "Caja 1")
    code = await shops.create_pairing_code(pool, shop.tenant_id)
    b = parse_credential((await shops.pair_device(pool, settings, code.code, "Caja 2", "x")).credential)
    assert b is not None
    till = TillChanges("C1")
    product = load_starter_catalog()[0]
    sale = till.sale([(starter_product_id(product.barcode), product.price)])
    first = await device_sync.push(pool, a, [sale])
    again = await device_sync.push(pool, a, [sale])
    assert [r.status for r in first.results + again.results] == ["accepted", "duplicate"]
    page = json.loads(await device_sync.pull(pool, b, 0, 1000, False))
    own = json.loads(await device_sync.pull(pool, a, 0, 1000, False))
    sales_b = [i for i in page["items"] if i["change"]["entity"] == "sale"]
    assert [i["change"]["change_id"] for i in sales_b] == [str(sale.change_id)]
    assert not [i for i in own["items"] if i["change"]["entity"] == "sale"]
    state = await device_sync.device_state(pool, a)
    assert (state.device_code, state.last_device_seq, state.last_folio) == ("C1", 1, 1)


async def test_a_till_gets_a_pairing_code_that_pairs_into_its_shop(pool, settings):
    shop, cred = await _paired(pool, settings)
    issued = await device_sync.pairing_code(pool, cred)
    paired = await shops.pair_device(pool, settings, issued.code, "Caja 2", "10.0.0.1")
    assert (paired.tenant_id, paired.device_code) == (shop.tenant_id, "C2")
