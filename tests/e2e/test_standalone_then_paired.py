"""A shop that started standalone with the starter catalog, then paired, has each product once."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pos_client.services.catalog import load_starter
from pos_client.store.repositories import catalog
from sync_server.services import shops
from tests.support.client import pair

pytestmark = pytest.mark.e2e


def test_starter_catalog_on_both_sides_converges_to_one_copy(
    server, shop, new_device, small_catalog
):
    pos = new_device("caja-1")
    load_starter(pos.till, small_catalog)  # the same catalog the server shop has
    code = server.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
    pair(pos, server.url, code.code)
    assert pos.agent.sync_once().pending == 0
    with pos.db.read() as conn:
        products = conn.execute(text("SELECT count(*) FROM products")).scalar_one()
        stock = catalog.by_barcode(conn, small_catalog[0].barcode).stock_milli
    assert products == len(small_catalog)
    assert stock == small_catalog[0].initial_stock_milli
    server_rows = server.admin(
        "SELECT count(*) AS n, (SELECT sum(stock_milli) FROM product_stock) AS stock FROM products")
    assert server_rows[0]["n"] == len(small_catalog)
    assert server_rows[0]["stock"] == sum(p.initial_stock_milli for p in small_catalog)
