"""Sales tools over one morning (tests/server/tools/scenario.py), each figure worked by hand."""

from __future__ import annotations

import pytest

from sync_server.tools.base import CallerRole
from sync_server.tools.calls import ToolRefused
from tests.server.tools.scenario import one_morning

pytestmark = pytest.mark.anyio


async def test_today_against_yesterday_at_the_same_hour(shop):
    await one_morning(shop)
    out = await shop.call("sales_summary", {"period": "hoy"})
    p = out.period
    # A $44.00 + B $57.00; the Fanta returned today counts today, though sold yesterday.
    assert (p.tickets, p.gross_centavos, p.returns_centavos, p.net_centavos) == (2, 10_100, 1833, 8267)
    assert p.average_ticket_centavos == 5050
    # Yesterday until 13:00 is sale D only ($55.00); C (23:30) is later in the day.
    assert (out.previous.tickets, out.previous.net_centavos) == (1, 5500)
    assert out.change_bp == 5031  # (82.67 − 55.00) / 55.00
    assert "$82.67" in out.summary
    assert "50.3 %" in out.summary


async def test_by_day_uses_the_shops_local_days(shop):
    await one_morning(shop)
    out = await shop.call("sales_by_day", {"period": "ultimos_7_dias"})
    rows = {r.key: (r.tickets, r.gross_centavos, r.returns_centavos, r.net_centavos)
            for r in out.rows}
    # Sale C at 23:30 of the 17th is the 18th in UTC, and still the 17th for the shop.
    assert rows == {"2026-03-17": (2, 7700, 0, 7700), "2026-03-18": (2, 10_100, 1833, 8267)}
    assert [r.label for r in out.rows] == ["mar 17/03/2026", "mié 18/03/2026"]


async def test_by_hour_payment_and_department(shop):
    await one_morning(shop)
    hours = await shop.call("sales_by_hour", {"period": "hoy"})
    assert [(r.label, r.gross_centavos, r.returns_centavos) for r in hours.rows] == [
        ("10:00", 4400, 0), ("11:00", 0, 1833), ("12:00", 5700, 0)]
    pay = await shop.call("sales_by_payment", {"period": "hoy"})
    # Biggest net first; the cash refund comes out of efectivo.
    assert [(r.key, r.tickets, r.gross_centavos, r.returns_centavos, r.net_centavos)
            for r in pay.rows] == [("tarjeta", 1, 5700, 0, 5700), ("efectivo", 1, 4400, 1833, 2567)]
    yesterday = await shop.call("sales_by_payment", {"period": "ayer"})
    assert {r.key: r.net_centavos for r in yesterday.rows} == {
        "efectivo": 3000, "transferencia": 2500, "fiado": 2200}
    dept = await shop.call("sales_by_department", {"period": "hoy"})
    assert [(r.label, r.tickets, r.gross_centavos, r.returns_centavos) for r in dept.rows] == [
        ("Bebidas", 2, 8600, 1833), ("Sin departamento", 1, 1500, 0)]


async def test_top_products_and_gross_margin(shop):
    await one_morning(shop)
    top = await shop.call("top_products", {"period": "hoy"})
    assert [(r.name, r.qty_milli, r.amount_centavos) for r in top.rows] == [
        ("Coca-Cola 600 ml", 2000, 4400), ("Coca-Cola 2 L", 1000, 4200),
        ("Artículo común", 1000, 1500), ("Fanta Naranja 600 ml", -1000, -1833)]
    by_qty = await shop.call("top_products", {"period": "ayer", "by": "qty", "limit": 1})
    assert [(r.name, r.qty_milli) for r in by_qty.rows] == [("Fanta Naranja 600 ml", 3000)]
    margin = await shop.call("gross_margin", {"period": "hoy"})
    # Costed: Coca 600 (recorded $17.20 × 2), Coca 2 L (the product's $33.60), the Fanta
    # returned at its line's $15.80; the común has no cost and stays out of the percentage.
    assert (margin.costed_sales_centavos, margin.cost_centavos) == (6767, 3440 + 3360 - 1580)
    assert (margin.margin_centavos, margin.margin_bp) == (1547, 2286)
    assert margin.net_sales_centavos == 8267
    assert [r.cost_centavos for r in margin.rows if r.name == "Artículo común"] == [None]


async def test_custom_periods_and_their_limits(shop):
    await one_morning(shop)
    out = await shop.call("sales_summary", {"period": "personalizado", "start": "2026-03-18",
                                            "end": "2026-03-17"})  # backwards is fine
    assert out.period.net_centavos == 7700 + 8267
    # Still running (it takes in today): compared with the two days before up to this hour.
    assert out.previous.label == "del 15/03/2026 al 16/03/2026 (al mismo momento)"
    closed = await shop.call("sales_summary", {"period": "personalizado", "start": "2026-03-16",
                                               "end": "2026-03-17"})
    assert closed.previous.label == "del 14/03/2026 al 15/03/2026"
    with pytest.raises(ToolRefused) as refused:
        await shop.call("sales_summary", {"period": "personalizado"})
    assert refused.value.code == "invalid_arguments"
    with pytest.raises(Exception, match="muy largo"):
        await shop.call("sales_summary", {"period": "personalizado", "start": "2024-01-01",
                                          "end": "2026-03-18"})


async def test_sales_are_the_owners_alone(shop):
    await one_morning(shop)
    for role in (CallerRole.STAFF, CallerRole.CUSTOMER):
        with pytest.raises(ToolRefused) as refused:
            await shop.call("sales_summary", {}, role=role,
                            customer_id=shop.tenant_id if role is CallerRole.CUSTOMER else None)
        assert refused.value.code == "tool_not_allowed"


async def test_another_shops_sales_are_not_counted(shop, other_shop):
    await one_morning(shop)
    out = await other_shop.call("sales_summary", {"period": "ultimos_30_dias"})
    assert (out.period.tickets, out.period.net_centavos) == (0, 0)
    assert "no hubo ventas" in out.summary
