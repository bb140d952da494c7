"""The owner's daily summary says what the till's own day report says, for the same day and the
same sales synced from the till: tickets, sales, returns, payment forms, best sellers, fiado
given and collected, the corte's cash difference, and the same weekday last week. (The summary
reads the shop's tools, which the tools agreement test holds to the till as well.)"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from pos_client.services import accounts, cortes, reports
from pos_client.services.returns import return_sale
from pos_client.services.sales import SaleContext, record_sale
from pos_client.services.till import Till
from shared.clock import utc_now
from shared.sale import PaymentMethod, Tender
from shared.ticket import TicketLine
from sync_server.jobs.summary import AFTER_MIDNIGHT_UNTIL, DAILY_SUMMARY
from tests.support.backroom import hire
from tests.support.jobs import Clock, engine
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


def test_the_daily_summary_equals_the_tills_day_report(server, shop, paired_device, small_catalog):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    # Between midnight and 06:00 a summary tells the day that ended: the till sells at 23:00 of
    # that day then (an hour or more ago), so the summary run now covers these sales.
    local = utc_now().astimezone(ZoneInfo("America/Mexico_City"))
    late = datetime.combine(local.date() - timedelta(days=1), time(23, 0), local.tzinfo)
    offset = timedelta(0) if local.time() >= AFTER_MIDNIGHT_UNTIL else local - late
    till = Till(pos.db, pos.device, now=lambda: utc_now() - offset)
    week_ago = Till(pos.db, pos.device, now=lambda: utc_now() - offset - timedelta(days=7))
    coke, chips, soap = small_catalog[0], small_catalog[1], small_catalog[5]
    owner = hire(till, "Doña Mary", "dueno", "1234").id
    lupita = accounts.save_customer(till, accounts.CustomerDraft(
        "Lupita Hernández", "55 1234 5678", "500", opening_balance="120.50"))

    old_shift = cortes.open_shift(week_ago, 50_000, owner)
    record_sale(week_ago, ticket_for(pos.db, coke.barcode, 5), [Tender(PaymentMethod.CASH, 100_000)],
                SaleContext(cashier_id=owner, shift_id=old_shift))
    cortes.close_with_corte(week_ago, old_shift, {PaymentMethod.CASH: 60_000}, None, owner)

    shift = cortes.open_shift(till, 50_000, owner)
    on_shift = SaleContext(cashier_id=owner, shift_id=shift, discount_by=owner)
    first = ticket_for(pos.db, coke.barcode, 3)
    first.add(TicketLine(None, "Bolsa de hielo", 2500, 1000, first.lines[0].iva))
    sale_1 = record_sale(till, first, [Tender(PaymentMethod.CARD, 4000, "AUT 9"),
                                       Tender(PaymentMethod.CASH, 100_000)], on_shift)
    fiado = ticket_for(pos.db, chips.barcode, 2)
    fiado.add(ticket_for(pos.db, soap.barcode, 1).lines[0])
    sale_2 = record_sale(till, fiado, [Tender(PaymentMethod.FIADO, fiado.total)],
                         SaleContext(cashier_id=owner, shift_id=shift, customer_id=lupita.id))
    return_sale(till, sale_1.sale_id, "Venía abollada", {1: 1000}, owner)
    return_sale(till, sale_2.sale_id, "No la quiso", {2: 1000}, owner)
    accounts.pay(till, lupita.id, 5000, PaymentMethod.CASH, cashier_id=owner, shift_id=shift)
    cortes.close_with_corte(till, shift, {PaymentMethod.CASH: 60_000, PaymentMethod.CARD: 4000},
                            "Cuadró casi", owner)
    assert pos.agent.sync_once().pending == 0

    outcome = server.call(lambda pool: engine(pool, Clock(utc_now())).run_now(
        DAILY_SUMMARY, shop.tenant_id))
    assert outcome.status == "skipped"
    assert outcome.reason == "no_channel"  # the figures below are what it would have said
    got = outcome.detail["figures"]

    day = reports.run(till, reports.Preset.TODAY)
    last_week = reports.run(week_ago, reports.Preset.TODAY)
    corte = cortes.corte(till, shift)
    assert day.by_day.tickets == 2  # what is compared is not empty
    assert last_week.by_day.net > 0
    assert (got["day"], got["tickets"], got["gross"], got["returns"], got["net"]) == (
        day.period.start, day.by_day.tickets, day.by_day.gross, day.by_day.returns, day.by_day.net)
    assert [(p["method"], p["net"]) for p in got["payments"]] == [
        (str(r.key), r.net) for r in day.by_payment.rows]
    assert [(t["name"], t["amount"]) for t in got["top"]] == [
        (p.name, p.amount) for p in day.top.rows[:5]]
    assert got["fiado_given"] == next(r.net for r in day.by_payment.rows if r.key == "fiado")
    assert got["fiado_collected"] == sum(f.abonos for f in corte.forms.values()) == 5000
    assert [c["cash_difference"] for c in got["cortes"]] == [corte.difference(PaymentMethod.CASH)]
    assert (got["last_week_day"], got["last_week_net"], got["last_week_tickets"]) == (
        last_week.period.start, last_week.by_day.net, last_week.by_day.tickets)
    assert got["missing"] == []
    text = outcome.detail["text"]
    assert f"Contra el {reports.day_label(last_week.period.start)}" in text
    assert "Fiado: se dio" in text
