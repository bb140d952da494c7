"""The factura global: every sale of a closed period no invoice covers, once every till synced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shared.fiscal import check_receptor
from sync_server.cfdi.tickets import Periodicity, period_of
from sync_server.services import fiscal, global_invoice, invoicing
from tests.support.cfdi import Item, documents, drain, rows, sale, sale_id_of

pytestmark = pytest.mark.anyio

MX = ZoneInfo("America/Mexico_City")
CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")


def yesterday_at(hour: int) -> datetime:
    day = datetime.now(MX).date() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=MX).astimezone(UTC)


async def _daily(shop) -> None:
    await fiscal.save_preferences(shop.ctx, shop.tenant_id,
                                  fiscal.Preferences(periodicity=Periodicity.DAILY))


def _folios(doc) -> list[str]:
    return [c["NoIdentificacion"] for c in doc["Conceptos"]]


async def test_the_global_waits_for_every_till_then_leaves_out_invoiced_and_returned_tickets(shop):
    await _daily(shop)
    kept = sale(shop.till, [Item("Refresco", 1800), Item("Jamón", 9000, 350)], sold_at=yesterday_at(10))
    own = sale(shop.till, [Item("Aceite", 4500)], sold_at=yesterday_at(11))
    gone = sale(shop.till, [Item("Leche", 2800, iva="0")], sold_at=yesterday_at(12))
    part = sale(shop.till, [Item("Galletas", 1500, 2000), Item("Tortilla", 2200, 1000, iva="0")],
                sold_at=yesterday_at(13))
    await shop.push(kept, own, gone, part,
                    shop.till.sale_return(sale_id_of(gone), [(1, None, 2800)]),
                    shop.till.sale_return(sale_id_of(part), [(1, None, 1500)]))
    mine = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(own), CUSTOMER,
                                          requested_by="customer")

    [waiting] = await global_invoice.due_globals(shop.ctx, shop.tenant_id)
    assert waiting.state == "waiting"
    assert [t.name for t in waiting.missing] == ["Caja 1"]
    assert not [r for r in await rows(shop.ctx, shop.tenant_id) if r.kind == "global"]

    await shop.pulled()  # the till pushed everything, then pulled
    [issued] = await global_invoice.due_globals(shop.ctx, shop.tenant_id)
    assert (issued.state, issued.sales) == ("issued", 2)
    await drain(shop.ctx)
    doc = await documents(shop.ctx, shop.tenant_id, issued.invoice_id)
    folio = {c.payload.folio for c in (kept, part)}  # type: ignore[attr-defined]
    assert set(_folios(doc)) == folio  # not the one invoiced on its own, nor the one returned
    assert doc["Receptor"]["Rfc"] == "XAXX010101000"
    assert doc["Receptor"]["UsoCFDI"] == "S01"
    info = doc["InformacionGlobal"]
    assert (info["Periodicidad"], info["Meses"]) == ("01", f"{yesterday_at(12).astimezone(MX).month:02d}")
    # 18.00 + 31.50 + (30.00 − 15.00) + 22.00, net of the return of one pack of galletas
    assert doc["Total"] == Decimal("86.50")
    assert (await documents(shop.ctx, shop.tenant_id, mine.invoice_id))["Total"] == Decimal("45.00")
    assert await global_invoice.due_globals(shop.ctx, shop.tenant_id) == []


async def test_the_owner_may_issue_without_a_till_that_never_synced(shop):
    await _daily(shop)
    await shop.push(sale(shop.till, [Item("Refresco", 1800)], sold_at=yesterday_at(9)))
    period = period_of(yesterday_at(9).astimezone(MX).date(), Periodicity.DAILY)
    [waiting] = await global_invoice.due_globals(shop.ctx, shop.tenant_id)
    await global_invoice.accept_missing(shop.ctx, shop.tenant_id, period,
                                        [t.device_id for t in waiting.missing])
    [issued] = await global_invoice.due_globals(shop.ctx, shop.tenant_id)
    assert issued.state == "issued"


async def test_a_sale_that_arrives_late_goes_into_another_global_of_its_period(shop):
    await _daily(shop)
    await shop.push(sale(shop.till, [Item("Refresco", 1800)], sold_at=yesterday_at(9)))
    await shop.pulled()
    [first] = await global_invoice.due_globals(shop.ctx, shop.tenant_id)
    late = sale(shop.till, [Item("Pan", 500)], sold_at=yesterday_at(20))
    await shop.push(late)
    [second] = await global_invoice.due_globals(shop.ctx, shop.tenant_id)
    assert second.state == "issued"
    assert second.period == first.period
    assert second.invoice_id != first.invoice_id
    await drain(shop.ctx)
    doc = await documents(shop.ctx, shop.tenant_id, second.invoice_id)
    assert _folios(doc) == [late.payload.folio]  # type: ignore[attr-defined]


async def test_a_ticket_of_a_stamped_global_invoiced_later_follows_motive_04(shop):
    await _daily(shop)
    a = sale(shop.till, [Item("Refresco", 1800)], sold_at=yesterday_at(9))
    b = sale(shop.till, [Item("Pan", 500)], sold_at=yesterday_at(10))
    await shop.push(a, b)
    await shop.pulled()
    [g] = await global_invoice.due_globals(shop.ctx, shop.tenant_id)
    await drain(shop.ctx)
    old = await documents(shop.ctx, shop.tenant_id, g.invoice_id)
    old_uuid = old["Complemento"]["TimbreFiscalDigital"]["UUID"]

    mine = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(a), CUSTOMER,
                                          requested_by="customer", wait_s=2)
    assert not mine.stamped  # it waits for the global's cancellation first
    await drain(shop.ctx)
    stamp = shop.pac.by_uuid(old_uuid)
    assert stamp is not None
    assert (stamp.cancel, stamp.motive) == ("Cancelado sin aceptación", "04")
    by_id = {r.invoice_id: r for r in await rows(shop.ctx, shop.tenant_id)}
    assert by_id[g.invoice_id].cancel_status == "cancelled"
    new_global = next(r for r in by_id.values() if r.kind == "global" and r.invoice_id != g.invoice_id)
    assert new_global.status == "stamped"
    assert by_id[mine.invoice_id].status == "stamped"
    again = await documents(shop.ctx, shop.tenant_id, new_global.invoice_id)
    assert _folios(again) == [b.payload.folio]  # type: ignore[attr-defined]
    assert (again["InformacionGlobal"]["Periodicidad"], again["Total"]) == ("01", Decimal("5.00"))


async def test_a_ticket_of_a_global_not_stamped_yet_just_leaves_it(shop):
    await _daily(shop)
    a = sale(shop.till, [Item("Refresco", 1800)], sold_at=yesterday_at(9))
    b = sale(shop.till, [Item("Pan", 500)], sold_at=yesterday_at(10))
    await shop.push(a, b)
    await shop.pulled()
    [g] = await global_invoice.due_globals(shop.ctx, shop.tenant_id)  # pending: no worker ran
    mine = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(a), CUSTOMER,
                                          requested_by="counter", wait_s=5)
    assert mine.stamped
    await drain(shop.ctx)
    doc = await documents(shop.ctx, shop.tenant_id, g.invoice_id)
    assert _folios(doc) == [b.payload.folio]  # type: ignore[attr-defined]
    assert shop.pac.calls.cancel == 0


def test_a_week_that_spans_two_months_is_cut_at_the_month():
    p = period_of(datetime(2026, 12, 1).date(), Periodicity.WEEKLY)  # a Tuesday
    assert (p.start, p.end) == (datetime(2026, 12, 1).date(), datetime(2026, 12, 7).date())
    q = period_of(datetime(2026, 11, 30).date(), Periodicity.WEEKLY)  # that week's Monday
    assert (q.start, q.end) == (datetime(2026, 11, 30).date(), datetime(2026, 12, 1).date())
