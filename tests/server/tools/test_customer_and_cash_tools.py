"""Customers, their statements and aging, and the cortes, over one morning (scenario.py)."""

from __future__ import annotations

import uuid

import pytest

from sync_server.tools.base import CallerRole
from sync_server.tools.calls import ToolRefused
from sync_server.tools.customers import NotYours
from tests.server.tools.scenario import one_morning

pytestmark = pytest.mark.anyio


async def test_balances_and_aging_pay_the_oldest_debt_first(shop):
    m = await one_morning(shop)
    listed = await shop.call("customers_and_balances", {"name": "lupita"}, role=CallerRole.STAFF)
    (lupita,) = listed.customers
    # $100.00 (45 days) + $22.00 (yesterday) − $40.00 paid = $82.00; the oldest is 45 days.
    assert (lupita.balance_centavos, lupita.available_centavos, lupita.age_days) == (8200, 41_800, 45)
    assert (listed.owing_customers, listed.owed_total_centavos) == (1, 8200)
    aging = await shop.call("debtors_by_age", {})
    # The $40.00 paid the notebook's $100.00 first: $60.00 is 31–60 days old, $22.00 is new.
    assert aging.totals_centavos == [2200, 6000, 0, 0]
    assert [d.customer.customer_id for d in aging.debtors] == [m.lupita]


async def test_a_statement_reads_like_the_tills(shop):
    m = await one_morning(shop)
    st = await shop.call("customer_statement", {"customer_id": str(m.lupita)})
    assert [(e.kind, e.description, e.charge_centavos, e.payment_centavos, e.balance_centavos)
            for e in st.entries] == [
        ("cargo", "Saldo del cuaderno", 10_000, 0, 10_000),
        ("abono", "Abono en efectivo", 0, 4000, 6000),
        ("venta", "Venta C1-2", 2200, 0, 8200)]
    assert st.closing_balance_centavos == 8200
    assert st.summary.startswith("Lupita Hernández debe $82.00")


async def test_a_customer_sees_only_their_own_account(shop):
    m = await one_morning(shop)
    own = await shop.call("customer_statement", {}, role=CallerRole.CUSTOMER, customer_id=m.lupita)
    assert own.customer.customer_id == m.lupita
    with pytest.raises(NotYours):
        await shop.call("customer_statement", {"customer_id": str(uuid.uuid4())},
                        role=CallerRole.CUSTOMER, customer_id=m.lupita)
    for tool in ("customers_and_balances", "debtors_by_age"):
        with pytest.raises(ToolRefused):
            await shop.call(tool, {}, role=CallerRole.CUSTOMER, customer_id=m.lupita)


async def test_another_shop_cannot_read_a_customer_by_id(shop, other_shop):
    m = await one_morning(shop)
    with pytest.raises(Exception, match="no tiene ese cliente"):
        await other_shop.call("customer_statement", {"customer_id": str(m.lupita)})


async def test_the_last_corte_expected_against_counted(shop):
    await one_morning(shop)
    out = await shop.call("last_corte")
    forms = {f.method: (f.expected_centavos, f.counted_centavos, f.difference_centavos)
             for f in out.corte.forms}
    # Cash: $500 float + $44.00 sale A − $100.00 salida − $18.33 refund = $425.67; counted $420.
    assert forms == {"efectivo": (42_567, 42_000, -567), "tarjeta": (5700, 5700, 0),
                     "transferencia": (0, None, None)}
    assert (out.corte.sales_count, out.corte.sales_total_centavos) == (2, 10_100)
    assert "Faltante $5.67" in out.summary
    diffs = await shop.call("cash_differences", {})
    assert (diffs.shortages_centavos, diffs.surpluses_centavos) == (567, 0)
    assert [r.cash_difference_centavos for r in diffs.cortes] == [-567]


async def test_no_corte_yet(shop):
    out = await shop.call("last_corte")
    assert out.corte is None
    assert out.summary == "Todavía no hay cortes Z."
