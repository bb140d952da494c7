"""A device of shop A can neither read nor write shop B's data, even knowing B's ids."""

from __future__ import annotations

import uuid

import pytest

from pos_client.services import inventory
from pos_client.services.sales import record_sale
from pos_client.store.repositories import catalog
from pos_client.sync.client import SyncClient, SyncRefused
from shared.sale import PaymentMethod, Tender
from sync_server.services import shops
from tests.support.backroom import edit_product
from tests.support.client import pair
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


def _pos_of(server, tenant_id, new_device, name):
    pos = new_device(name)
    code = server.call(lambda pool: shops.create_pairing_code(pool, tenant_id))
    pair(pos, server.url, code.code, name)
    pos.agent.sync_once()
    return pos


def test_guessing_ids_of_another_shop_reaches_nothing(server, new_device, small_catalog):
    shop_a = server.call(lambda pool: shops.create_shop(pool, "Tienda A", small_catalog))
    shop_b = server.call(lambda pool: shops.create_shop(pool, "Tienda B", small_catalog))
    a = _pos_of(server, shop_a.tenant_id, new_device, "a")
    b = _pos_of(server, shop_b.tenant_id, new_device, "b")
    # Starter products have the same ids in both shops: the strongest form of a guessed id.
    with b.db.read() as conn:
        b_product = catalog.by_barcode(conn, small_catalog[0].barcode)
    b_before = server.admin(
        "SELECT price, (SELECT stock_milli FROM product_stock s WHERE s.tenant_id = p.tenant_id "
        "AND s.product_id = p.product_id) AS stock FROM products p "
        "WHERE tenant_id = $1 AND product_id = $2", shop_b.tenant_id, b_product.id)

    edit_product(a.till, b_product.id, price=1)
    inventory.adjust(a.till, b_product.id, -small_catalog[0].initial_stock_milli, "Merma", None)
    ticket = ticket_for(a.db, small_catalog[0].barcode, 3)
    record_sale(a.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    assert a.agent.sync_once().pending == 0
    b.agent.sync_once()

    b_after = server.admin(
        "SELECT price, (SELECT stock_milli FROM product_stock s WHERE s.tenant_id = p.tenant_id "
        "AND s.product_id = p.product_id) AS stock FROM products p "
        "WHERE tenant_id = $1 AND product_id = $2", shop_b.tenant_id, b_product.id)
    assert b_after == b_before
    with b.db.read() as conn:
        assert catalog.by_id(conn, b_product.id).price == small_catalog[0].price
        assert catalog.stock_of(conn, b_product.id) == small_catalog[0].initial_stock_milli
    assert server.admin("SELECT count(*) AS n FROM sales WHERE tenant_id = $1",
                        shop_b.tenant_id)[0]["n"] == 0

    # A credential naming shop B's tenant but A's device (or a made-up one) is refused.
    tenant_b = shop_b.tenant_id.hex
    _, _, device_a, secret_a = a.device.credential.split(".")
    for forged in (f"mchd1.{tenant_b}.{device_a}.{secret_a}",
                   f"mchd1.{tenant_b}.{uuid.uuid4().hex}.{secret_a}"):
        client = SyncClient(server.url, forged)
        try:
            with pytest.raises(SyncRefused) as err:
                client.pull(0)
            assert err.value.code == "invalid_credential"
        finally:
            client.close()
