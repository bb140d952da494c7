"""After the PAC refuses a CFDI the automatic pass makes, it waits before making that kind again
(1 h, 4 h, then daily), unless the fiscal set-up is saved or the owner asks "Reintentar ahora":
while the shop's data stays bad, each 15-minute pass used to sign one more refused CFDI."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.fiscal import check_receptor
from sync_server.services import fiscal, invoicing, stamping
from sync_server.services.invoice_worker import InvoiceWorker
from tests.support.cfdi import Item, abono, drain, ppd_invoice, rows, sale, sale_id_of

pytestmark = pytest.mark.anyio

CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")
MEXICO = ZoneInfo("America/Mexico_City")
REFUSAL = ("CFDI40147", "El RFC del receptor no se encuentra en la lista del SAT")


async def _kinds(shop, kind):
    return sorted(r.status for r in await rows(shop.ctx, shop.tenant_id) if r.kind == kind)


async def _invoiced_then_returned(shop) -> None:
    """A sale invoiced to the customer (stamped), then its rice returned: a credit note due."""
    change = sale(shop.till, [Item("Aceite", 4500), Item("Arroz", 3000)])
    await shop.push(change)
    await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change), CUSTOMER,
                                   requested_by="customer", wait_s=5)
    await shop.push(shop.till.sale_return(sale_id_of(change), [(2, None, 3000)]))


async def _refused_note(shop) -> InvoiceWorker:
    """A stamped invoice, a return after it, and its credit note refused by the PAC (whose
    clock follows the test's: it refuses a CFDI dated hours ahead of it)."""
    shop.pac.clock = lambda: shop.clock.now.astimezone(MEXICO).replace(tzinfo=None)
    await _invoiced_then_returned(shop)
    worker = InvoiceWorker(shop.ctx)
    await worker.schedule_pass()
    shop.pac.next_answers(REFUSAL)
    await drain(shop.ctx)
    assert await _kinds(shop, "credit") == ["rejected"]
    return worker


async def test_a_refused_note_waits_an_hour_then_four_then_is_made_again(shop):
    worker = await _refused_note(shop)
    await worker.schedule_pass()  # the next 15-minute pass: nothing new signed
    shop.clock.now += timedelta(minutes=59)
    await worker.schedule_pass()
    assert await _kinds(shop, "credit") == ["rejected"]

    shop.clock.now += timedelta(minutes=2)
    shop.pac.next_answers(REFUSAL)  # still bad: the second refusal waits four hours
    await worker.schedule_pass()
    await drain(shop.ctx)
    assert await _kinds(shop, "credit") == ["rejected", "rejected"]
    shop.clock.now += timedelta(hours=3, minutes=59)
    await worker.schedule_pass()
    assert await _kinds(shop, "credit") == ["rejected", "rejected"]

    shop.clock.now += timedelta(minutes=2)
    await worker.schedule_pass()
    await drain(shop.ctx)
    assert await _kinds(shop, "credit") == ["rejected", "rejected", "stamped"]


async def test_saving_the_fiscal_data_lifts_the_wait(shop):
    worker = await _refused_note(shop)
    setup = await fiscal.setup(shop.ctx, shop.tenant_id)
    assert setup.profile is not None
    p = setup.profile
    await fiscal.save_profile(shop.ctx, shop.tenant_id, rfc=p.rfc, name=p.name, regime=p.regime,
                              postal_code=p.postal_code, series=p.series)
    await worker.schedule_pass()
    await drain(shop.ctx)
    assert await _kinds(shop, "credit") == ["rejected", "stamped"]


async def test_reintentar_ahora_makes_it_at_once_and_only_the_refused_kind_waits(shop):
    worker = await _refused_note(shop)
    customer, _ = await ppd_invoice(shop, CUSTOMER)
    await shop.push(abono(shop.till, customer, 4_000))
    await worker.schedule_pass()  # the note waits; a complement is another kind: made
    await drain(shop.ctx)
    assert (await _kinds(shop, "credit"), await _kinds(shop, "payment")) == (
        ["rejected"], ["stamped"])

    assert await worker.remake_now(shop.tenant_id) == 1
    with pytest.raises(stamping.RemakeTooSoon) as too_soon:  # pressed again: once a minute
        await worker.remake_now(shop.tenant_id)
    assert "otra vez en 60 segundos" in too_soon.value.message
    shop.clock.now += timedelta(seconds=45)
    with pytest.raises(stamping.RemakeTooSoon) as too_soon:
        await worker.remake_now(shop.tenant_id)
    assert "otra vez en 15 segundos" in too_soon.value.message
    shop.clock.now += timedelta(seconds=15)
    assert await worker.remake_now(shop.tenant_id) == 0  # made once (the minute is over)
    await drain(shop.ctx)
    assert await _kinds(shop, "credit") == ["rejected", "stamped"]


async def test_two_presses_at_once_make_one_remake(shop):
    """Two tills (or a till and the owner's phone) press "Reintentar ahora" together: one is
    recorded, the other told to wait; a minute later the shop may press again."""
    got = await asyncio.gather(*(stamping.claim_remake(shop.ctx, shop.tenant_id)
                                 for _ in range(2)), return_exceptions=True)
    assert sorted(type(g).__name__ for g in got) == ["NoneType", "RemakeTooSoon"]
    shop.clock.now += timedelta(minutes=1)
    await stamping.claim_remake(shop.ctx, shop.tenant_id)


async def test_a_stamp_of_the_kind_ends_the_count(shop):
    """After a stamp, the next refusal waits an hour again (not four)."""
    worker = await _refused_note(shop)
    assert await worker.remake_now(shop.tenant_id) == 1
    await drain(shop.ctx)
    assert await _kinds(shop, "credit") == ["rejected", "stamped"]
    assert await stamping.held_kinds(shop.ctx, shop.tenant_id) == set()


async def test_notes_refused_in_one_pass_wait_one_hour_not_an_hour_more_each(shop):
    """The wait grows with the passes refused, not with how many CFDI one pass had made: two
    notes of one pass refused wait an hour, as one does."""
    shop.pac.clock = lambda: shop.clock.now.astimezone(MEXICO).replace(tzinfo=None)
    for _ in range(2):
        await _invoiced_then_returned(shop)
    worker = InvoiceWorker(shop.ctx)
    await worker.schedule_pass()
    shop.pac.next_answers(REFUSAL, REFUSAL)
    await drain(shop.ctx)
    assert await _kinds(shop, "credit") == ["rejected", "rejected"]
    shop.clock.now += timedelta(minutes=61)
    await worker.schedule_pass()
    await drain(shop.ctx)
    assert await _kinds(shop, "credit") == ["rejected", "rejected", "stamped", "stamped"]
