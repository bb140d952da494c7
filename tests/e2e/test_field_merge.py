"""Records merge field by field: a price change on one till and a receipt with a new cost on
another, both offline, both survive on every till and the server. Switched off (whole-record
last writer wins, as before protocol 4), the same run loses one of them."""

from __future__ import annotations

import pytest

from pos_client.services import inventory
from pos_client.store.repositories import catalog
from shared.clock import utc_now
from shared.sync import merge
from sync_server.db import tenant_tx
from sync_server.services import shop_records
from tests.support.backroom import edit_product

pytestmark = pytest.mark.e2e


def _price_and_cost_everywhere(server, paired_device, small_catalog):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    for pos in (a, b):
        pos.agent.sync_once()
    item = next(p for p in small_catalog if not p.sold_by_weight)
    with a.db.read() as conn:
        product = catalog.by_barcode(conn, item.barcode)
    new_price, new_cost = product.price + 300, product.cost + 150
    edit_product(a.till, product.id, price=new_price)  # offline
    inventory.receive(b.till, [(product.id, 12_000, new_cost)], "Proveedor", None)  # later
    for pos in (a, b, a):  # B's receipt is newer; A's price edit arrives first
        pos.agent.sync_once()
    seen = set()
    for pos in (a, b):
        with pos.db.read() as conn:
            held = catalog.by_id(conn, product.id)
            seen.add((held.price, held.cost))
    [row] = server.admin("SELECT price, cost FROM products WHERE product_id = $1", product.id)
    seen.add((row["price"], row["cost"]))
    return seen, (new_price, new_cost)


def test_a_price_edit_and_a_cost_edit_of_the_same_product_both_survive(
    server, shop, paired_device, small_catalog
):
    seen, both = _price_and_cost_everywhere(server, paired_device, small_catalog)
    assert seen == {both}


def test_without_the_field_merge_the_receipt_undoes_the_price_change(
    server, shop, paired_device, small_catalog, monkeypatch
):
    """What the merge is for: whole-record last writer wins loses A's price."""
    monkeypatch.setattr(merge, "FIELD_MERGE", False)
    seen, both = _price_and_cost_everywhere(server, paired_device, small_catalog)
    assert both not in seen


def test_a_price_set_from_the_owners_tools_keeps_a_tills_unsynced_cost(
    server, shop, paired_device, small_catalog
):
    """The server's own edits name their fields too (services/shop_records.set_price)."""
    till = paired_device("caja-1")
    till.agent.sync_once()
    item = next(p for p in small_catalog if not p.sold_by_weight)
    with till.db.read() as conn:
        product = catalog.by_barcode(conn, item.barcode)
    inventory.receive(till.till, [(product.id, 6_000, product.cost + 90)], None, None)  # offline

    async def set_price(pool):
        async with tenant_tx(pool, shop.tenant_id) as conn:
            await shop_records.set_price(conn, shop.tenant_id, product.id, 4_200, utc_now())

    server.call(set_price)  # later than the receipt: whole, it would undo the new cost
    for _ in range(2):
        till.agent.sync_once()
    with till.db.read() as conn:
        held = catalog.by_id(conn, product.id)
    [row] = server.admin("SELECT price, cost FROM products WHERE product_id = $1", product.id)
    assert (held.price, held.cost) == (row["price"], row["cost"]) == (4_200, product.cost + 90)
