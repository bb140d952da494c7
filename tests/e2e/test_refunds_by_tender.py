"""Refunds by tender, end to end: what a till gave back to the card (with the terminal's
reference), to a transfer, to the account and in cash reaches the server with the return's
shift, and the server's corte and payment report add up the same parts the till's do. Two
offline tills cannot give a card back more than it paid: the server refuses the second."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from pos_client.services import accounts, cortes, reports
from pos_client.services.returns import RefundChoice, return_sale
from pos_client.services.sales import SaleContext, record_sale
from pos_client.store.repositories import outbox
from shared.clock import utc_now
from shared.sale import PaymentMethod, Tender
from sync_server.services.tokens import fixed_plan
from sync_server.tools.base import Caller, CallerRole
from sync_server.tools.calls import ToolEnv, call_tool
from tests.support.builders import cashier
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e

CASH, CARD, TRANSFER, FIADO = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER,
                               PaymentMethod.FIADO)


def _tool(server, shop, now: datetime):
    caller = Caller(shop.tenant_id, CallerRole.OWNER, "prueba", "test")

    def call(name: str, args: dict[str, Any] | None = None) -> Any:
        async def run(pool: Any) -> Any:
            env = ToolEnv(pool, fixed_plan("Básico", 300), clock=lambda: now)
            return (await call_tool(env, caller, name, args or {})).output
        return server.call(run)

    return call


def test_the_parts_of_a_refund_reach_the_server_and_its_corte_agrees(
    server, shop, paired_device, small_catalog
):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    owner = cashier(pos.till, "Doña Mary", "dueno", "1234").id
    lupe = accounts.save_customer(pos.till, accounts.CustomerDraft("Lupe", credit_limit="500")).id
    shift = cortes.open_shift(pos.till, 50_000, owner)
    ctx = SaleContext(cashier_id=owner, shift_id=shift)
    coke = small_catalog[0].barcode
    card_sale = ticket_for(pos.db, coke, 4)
    paid_card = record_sale(pos.till, card_sale, [Tender(CARD, card_sale.total - 1000, "AUT 5"),
                                                  Tender(CASH, 1000)], ctx)
    mixed = ticket_for(pos.db, coke, 3)
    paid_mixed = record_sale(pos.till, mixed, [Tender(FIADO, 2000), Tender(TRANSFER, 1000, "SPEI"),
                                               Tender(CASH, mixed.total - 3000)],
                             SaleContext(cashier_id=owner, shift_id=shift, customer_id=lupe))
    by_default = return_sale(pos.till, paid_card.sale_id, "Abollada", {1: 2000}, owner)
    split = return_sale(pos.till, paid_card.sale_id, "Otra", {1: 1000}, owner,
                        refund=RefundChoice(card=500, reference="AUT 6"))
    cancelled = return_sale(pos.till, paid_mixed.sale_id, "No la quiso", None, owner)
    cortes.move_cash(pos.till, shift, "entrada", 2_000, "Cambio", cashier_id=owner)
    cortes.close_with_corte(pos.till, shift, {CASH: 40_000}, None, owner)
    assert pos.agent.sync_once().pending == 0

    stored = {r["return_id"]: tuple(r.values())[1:] for r in server.admin(
        """SELECT return_id, refund_method, refund_to_account, refund_card, refund_transfer,
                  refund_reference, shift_id FROM sale_returns""")}
    assert stored == {
        by_default.id: ("tarjeta", 0, 4_400, 0, None, shift),
        split.id: ("efectivo", 0, 500, 0, "AUT 6", shift),
        cancelled.id: ("efectivo", 2_000, 0, 1_000, None, shift)}  # $36.00 of it cash
    assert [r["cashier_id"] for r in server.admin("SELECT cashier_id FROM cash_movements")] == [owner]

    call = _tool(server, shop, utc_now())
    till_corte = cortes.corte(pos.till, shift)
    assert till_corte.forms[CARD].refunds == 4_900
    assert till_corte.forms[TRANSFER].refunds == 1_000
    assert till_corte.forms[FIADO].refunds == 2_000
    tool_corte = call("last_corte").corte
    assert {f.method: (f.expected_centavos, f.counted_centavos) for f in tool_corte.forms} == {
        m.value: (till_corte.expected(m), till_corte.counted.get(m))
        for m in (CASH, CARD, TRANSFER)}
    seen = reports.run(pos.till, reports.Preset.TODAY).by_payment
    out = call("sales_by_payment", {"period": "hoy"})
    assert {r.key: r.returns_centavos for r in out.rows} == {
        str(r.key): r.returns for r in seen.rows}
    assert {r.key: r.returns_centavos for r in out.rows}["tarjeta"] == 4_900


def test_two_offline_tills_cannot_give_a_card_back_more_than_it_paid(
    server, shop, paired_device, small_catalog
):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    a.agent.sync_once()
    ticket = ticket_for(a.db, small_catalog[0].barcode, 2)
    sale = record_sale(a.till, ticket, [Tender(CARD, 1_500, "AUT 1"),
                                        Tender(CASH, ticket.total - 1_500)])
    a.agent.sync_once()
    b.agent.sync_once()
    for pos, line in ((a, 1), (b, 1)):  # offline: each gives a unit back, card first
        back = return_sale(pos.till, sale.sale_id, "Caducado", {line: 1000},
                           refund=RefundChoice(card=1_500) if pos is b else None)
        assert back.refund_card == min(1_500, back.amount)
    assert a.agent.sync_once().rejected == 0
    status = b.agent.sync_once()
    assert (status.pending, status.rejected) == (0, 1)
    with b.db.read() as conn:
        (refused,) = outbox.rejected(conn)
    assert refused.code == "over_tender"
    assert server.admin("SELECT sum(refund_card) AS card FROM sale_returns")[0]["card"] == 1_500
