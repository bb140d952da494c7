"""The shop's tools on the server answer with the numbers the till's own reports, statements
and cortes show, for the same sales synced from the till (the rule bot, the assistant and the
owner's AI apps read these tools: none of them may disagree with the back room)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from pos_client.services import accounts, cortes, reports
from pos_client.services.returns import return_sale
from pos_client.services.sales import SaleContext, record_sale
from pos_client.services.till import Till
from pos_client.store.repositories import catalog
from shared.clock import utc_now
from shared.sale import PaymentMethod, Tender
from shared.ticket import Ticket, TicketLine
from sync_server.services.tokens import fixed_plan
from sync_server.tools.base import Caller, CallerRole
from sync_server.tools.calls import ToolEnv, call_tool
from tests.support.builders import cashier
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


def _tools(server, shop, now: datetime):
    env_caller = Caller(shop.tenant_id, CallerRole.OWNER, "prueba", "test")

    def call(name: str, args: dict[str, Any] | None = None) -> Any:
        async def run(pool: Any) -> Any:
            env = ToolEnv(pool, fixed_plan("Básico", 300), clock=lambda: now)
            return (await call_tool(env, env_caller, name, args or {})).output
        return server.call(run)

    return call


def test_reports_statements_and_cortes_agree(server, shop, paired_device, small_catalog):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    till = Till(pos.db, pos.device)
    coke, chips, soap = small_catalog[0], small_catalog[1], small_catalog[5]
    weighed = next(p for p in small_catalog if p.sold_by_weight)
    lupita = accounts.save_customer(till, accounts.CustomerDraft(
        "Lupita Hernández", "55 1234 5678", "500", opening_balance="120.50"))
    owner = cashier(pos.till, "Doña Mary", "dueno", "1234").id
    shift = cortes.open_shift(till, 50_000, owner)
    on_shift = SaleContext(cashier_id=owner, shift_id=shift, discount_by=owner)

    first = ticket_for(pos.db, coke.barcode, 3)
    first.add(TicketLine(None, "Bolsa de hielo", 2500, 1000, first.lines[0].iva))  # común
    first.discount_ticket(700)
    sale_1 = record_sale(till, first, [Tender(PaymentMethod.CARD, 4000, "AUT 9"),
                                                     Tender(PaymentMethod.CASH, 100_000)], on_shift)
    with pos.db.read() as conn:
        kilo = catalog.by_barcode(conn, weighed.barcode)
    granel = Ticket([TicketLine(kilo.id, kilo.name, kilo.price, 750, kilo.iva, kilo.ieps_bp, True,
                                cost=kilo.price // 2)])
    sale_2 = record_sale(till, granel, [Tender(PaymentMethod.TRANSFER, granel.total,
                                                             "SPEI 1")], on_shift)
    fiado = ticket_for(pos.db, chips.barcode, 2)
    fiado.add(ticket_for(pos.db, soap.barcode, 1).lines[0])
    sale_3 = record_sale(till, fiado, [Tender(PaymentMethod.FIADO, fiado.total)],
                         SaleContext(cashier_id=owner, shift_id=shift, customer_id=lupita.id))
    return_sale(till, sale_1.sale_id, "Venía abollada", {1: 1000}, owner)
    return_sale(till, sale_3.sale_id, "No la quiso", {2: 1000}, owner)
    accounts.pay(till, lupita.id, 5000, PaymentMethod.CASH, cashier_id=owner, shift_id=shift)
    cortes.move_cash(till, shift, "salida", 3000, "Garrafón", owner)
    cortes.close_with_corte(till, shift, {PaymentMethod.CASH: 60_000, PaymentMethod.CARD: 4000},
                            "Cuadró casi", owner)
    assert pos.agent.sync_once().pending == 0

    now = utc_now()
    call = _tools(server, shop, now)
    seen = reports.run(till, reports.Preset.TODAY)
    assert seen.by_day.tickets == 3  # what is compared below is not empty
    assert seen.by_day.net == sale_1.total + sale_2.total + sale_3.total - seen.by_day.returns
    assert seen.margin.margin_bp is not None

    def rows(b: Any) -> dict[str, tuple[int, int, int]]:
        return {str(r.key): (r.tickets, r.gross, r.returns) for r in b.rows}

    def tool_rows(out: Any) -> dict[str, tuple[int, int, int]]:
        return {r.key: (r.tickets, r.gross_centavos, r.returns_centavos) for r in out.rows}

    for report, tool in ((seen.by_day, "sales_by_day"), (seen.by_hour, "sales_by_hour"),
                         (seen.by_department, "sales_by_department"),
                         (seen.by_payment, "sales_by_payment")):
        out = call(tool, {"period": "hoy"})
        assert tool_rows(out) == rows(report), tool
        assert (out.period.tickets, out.period.net_centavos) == (report.tickets, report.net), tool
    top = call("top_products", {"period": "hoy", "limit": 50})
    assert [(r.name, r.qty_milli, r.amount_centavos) for r in top.rows] == [
        (p.name, p.qty_milli, p.amount) for p in reports.top_products(
            reports.load(till, seen.period), 50).rows]
    margin = call("gross_margin", {"period": "hoy", "limit": 100})
    assert (margin.costed_sales_centavos, margin.cost_centavos, margin.margin_centavos,
            margin.margin_bp) == (seen.margin.costed_sales, seen.margin.cost, seen.margin.margin,
                                  seen.margin.margin_bp)

    aging = call("debtors_by_age", {})
    assert [(d.customer.name, d.customer.balance_centavos, d.buckets_centavos)
            for d in aging.debtors] == [(a.name, a.balance, list(a.buckets))
                                         for a in reports.aging(till).accounts]
    st_till = accounts.statement(till, lupita.id)
    st_tool = call("customer_statement", {"customer_id": str(lupita.id)})
    assert [(e.kind, e.description, e.charge_centavos, e.payment_centavos, e.balance_centavos)
            for e in st_tool.entries] == [(e.kind, e.description, e.charge, e.payment, e.balance)
                                          for e in st_till.entries]

    corte_till = cortes.corte(till, shift)
    corte_tool = call("last_corte").corte
    assert {f.method: (f.expected_centavos, f.counted_centavos, f.difference_centavos)
            for f in corte_tool.forms} == {
        m.value: (corte_till.expected(m), corte_till.counted.get(m), corte_till.difference(m))
        for m in (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER)}
    assert corte_tool.shift_id == shift
