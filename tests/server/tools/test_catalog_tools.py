"""Catalog tools: search without accents, price and stock, detail, low stock, what to reorder."""

from __future__ import annotations

import pytest

from sync_server.tools.base import CallerRole
from sync_server.tools.calls import ToolRefused
from tests.server.tools.scenario import local
from tests.support.shop_facts import Line

pytestmark = pytest.mark.anyio


async def test_search_ignores_accents_and_case_and_finds_barcodes(shop):
    coca = shop.product("Coca-Cola Sin Az")
    out = await shop.call("search_products", {"query": "coca SIN azucar"})
    assert [p.name for p in out.products] == ["Coca-Cola Sin Azúcar 600 ml"]
    assert out.products[0].price == "$22.00"
    assert out.products[0].stock == "18"
    by_code = await shop.call("search_products", {"query": coca.barcode})
    assert [p.product_id for p in by_code.products] == [shop.product_id("Coca-Cola Sin Az")]
    cocas = await shop.call("search_products", {"query": "coca", "limit": 2})
    assert len(cocas.products) == 2
    assert "Encontré 2" in cocas.summary
    none = await shop.call("search_products", {"query": "100% _raro_"})  # LIKE's own characters
    assert none.products == []
    assert "No encontré" in none.summary


async def test_price_and_stock_for_anyone_detail_for_the_shop(shop):
    await shop.till.push(shop.till.sale([Line(shop.product("Coca-Cola 600"), 5000)], local(0, 9))[0])
    out = await shop.call("price_and_stock", {"query": "coca cola 600"}, role=CallerRole.CUSTOMER,
                          customer_id=shop.tenant_id)
    assert (out.product.name, out.product.stock_milli, out.product.available) == (
        "Coca-Cola 600 ml", 55_000, True)
    detail = await shop.call("product_detail", {"product_id": str(shop.product_id("Coca-Cola 600"))},
                             role=CallerRole.STAFF)
    assert (detail.cost_centavos, detail.margin_bp) == (1720, 2182)  # (22.00 − 17.20) / 22.00
    assert detail.last_sold_at == local(0, 9)
    with pytest.raises(ToolRefused):
        await shop.call("product_detail", {"query": "coca"}, role=CallerRole.CUSTOMER,
                        customer_id=shop.tenant_id)
    with pytest.raises(Exception, match="No encontré"):
        await shop.call("price_and_stock", {"query": "caviar"})
    with pytest.raises(ToolRefused):  # one of the two, not both
        await shop.call("price_and_stock", {"query": "coca", "product_id":
                                            str(shop.product_id("Coca-Cola 600"))})


async def test_low_stock_and_reorder_from_what_sells(shop):
    coca, fanta = shop.product("Coca-Cola 600"), shop.product("Fanta")
    t = shop.till
    # 42 Cocas over the last 14 days (60 at the start, minimum 24): 18 left; 3 a day.
    sales = [t.sale([Line(coca, 3000)], local(d, 14))[0] for d in range(1, 15)]
    await t.push(*sales, t.movement(shop.product_id("Fanta"), -14_000, "adjustment"))
    low = await shop.call("low_stock", {})
    assert [(i.product.name, i.product.stock, i.min_stock, i.missing) for i in low.products][:2] == [
        ("Coca-Cola 600 ml", "18", "24", "6"), ("Fanta Naranja 600 ml", "1", "6", "5")]
    plan = await shop.call("reorder_suggestions", {"days": 14, "cover_days": 7})
    first = plan.products[0]
    # 3 a day: 18 last 6 days; for 7 days plus the minimum: 21 + 24 − 18 = 27.
    assert (first.product.name, first.sold_per_day, first.days_left, first.order) == (
        "Coca-Cola 600 ml", "3", 6.0, "27")
    assert fanta.name in [p.product.name for p in plan.products]  # below its minimum, unsold
