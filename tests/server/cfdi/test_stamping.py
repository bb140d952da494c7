"""A PAC that is down, slow or loses its answer: the invoice stays pending and is retried,
never lost and never stamped twice (series and folio are the invoice's own)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.fiscal import FiscalDataInvalid, check_receptor
from sync_server import db
from sync_server.repositories import invoices
from sync_server.services import invoicing
from tests.support.cfdi import Item, documents, drain, rows, sale, sale_id_of

pytestmark = pytest.mark.anyio

CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")


async def _ticket(shop, *items):
    change = sale(shop.till, list(items) or [Item("Refresco", 1800)])
    await shop.push(change)
    return sale_id_of(change)


async def test_a_pac_that_is_down_leaves_the_invoice_pending_until_it_answers(shop):
    sale_id = await _ticket(shop)
    shop.pac.next_answers("down", "hang", "down")
    got = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id, CUSTOMER,
                                         requested_by="customer", wait_s=5)
    assert (got.status, got.uuid) == ("pending", None)
    assert "no respondió" in (got.error or "")
    await drain(shop.ctx)  # hang (timed out), down, then the PAC is back
    [row] = await rows(shop.ctx, shop.tenant_id)
    assert (row.status, row.attempts) == ("stamped", 4)
    assert len(shop.pac.stamped_for("F", "1")) == 1
    await documents(shop.ctx, shop.tenant_id, row.invoice_id)


async def test_an_answer_lost_after_stamping_is_recovered_not_stamped_again(shop):
    sale_id = await _ticket(shop)
    shop.pac.next_answers("lose")  # the PAC stamps it, the answer never arrives
    got = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id, CUSTOMER,
                                         requested_by="customer", wait_s=5)
    assert got.status == "pending"
    [first] = shop.pac.stamped_for("F", "1")
    await drain(shop.ctx)
    [row] = await rows(shop.ctx, shop.tenant_id)
    assert row.cfdi_uuid == first.uuid  # the same stamp, fetched back (incidencia 307)
    assert shop.pac.stamped_for("F", "1") == [first]
    assert shop.pac.calls.stamped == 1


async def test_a_worker_that_died_holding_the_claim_leaves_it_to_another(shop):
    sale_id = await _ticket(shop)
    got = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id, CUSTOMER,
                                         requested_by="counter")
    async with db.tenant_tx(shop.ctx.pool, shop.tenant_id) as conn:
        claimed = await invoices.claim_to_stamp(conn, shop.tenant_id)  # then it "dies"
        assert claimed is not None
        assert claimed.invoice_id == got.invoice_id
        await conn.execute("UPDATE invoices SET claimed_at = now() - interval '1 hour'")
    await drain(shop.ctx)
    [row] = await rows(shop.ctx, shop.tenant_id)
    assert row.status == "stamped"
    assert len(shop.pac.stamped_for("F", "1")) == 1


async def test_one_left_pending_past_sats_72_hours_is_dated_again_not_doubled(shop):
    sale_id = await _ticket(shop)
    shop.pac.next_answers("down")
    await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id, CUSTOMER,
                                   requested_by="customer", wait_s=5)
    later = timedelta(days=4)
    shop.clock.now += later
    pac_clock = shop.pac.clock
    shop.pac.clock = lambda: pac_clock() + later
    await drain(shop.ctx)  # the PAC refuses the old date (401): signed again, then stamped
    [row] = await rows(shop.ctx, shop.tenant_id)
    assert (row.status, row.series, row.folio) == ("stamped", "F", 1)
    assert len(shop.pac.stamped_for("F", "1")) == 1


async def test_a_refusal_by_the_pac_frees_the_sale_for_another_try(shop):
    sale_id = await _ticket(shop)
    shop.pac.next_answers(("CFDI40147", "El RFC del receptor no se encuentra en la lista del SAT"))
    got = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id, CUSTOMER,
                                         requested_by="customer", wait_s=5)
    assert got.status == "rejected"
    assert "CFDI40147" in (got.error or "")
    again = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id, CUSTOMER,
                                           requested_by="customer", wait_s=5)
    assert again.stamped
    assert (again.series, again.folio) == ("F", 2)


async def test_a_sale_is_invoiced_once(shop):
    sale_id = await _ticket(shop)
    await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id, CUSTOMER,
                                   requested_by="customer", wait_s=5)
    with pytest.raises(invoicing.AlreadyInvoiced) as err:
        await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id, CUSTOMER,
                                       requested_by="counter", wait_s=5)
    assert err.value.invoice.stamped
    assert shop.pac.calls.stamp == 1


@pytest.mark.parametrize(("data", "code"), [
    ({"rfc": "XOJI740919U47"}, "invalid_rfc"),  # check digit
    ({"regime": "601"}, "regime_mismatch"),  # a company's regime for a person's RFC
    ({"postal_code": "7602"}, "invalid_postal_code"),
])
async def test_bad_fiscal_data_never_reaches_the_pac(shop, data, code):
    await _ticket(shop)
    fields = {"rfc": "XOJI740919U48", "name": "Ingrid", "postal_code": "76028", "regime": "612",
              "uso": "G03"} | data
    with pytest.raises(FiscalDataInvalid) as err:
        check_receptor(**fields)
    assert err.value.code == code
    assert shop.pac.calls.stamp == 0


async def test_the_window_closes_at_the_end_of_the_sales_month(shop):
    sale_id = await _ticket(shop)
    shop.clock.now += timedelta(days=32)
    with pytest.raises(invoicing.InvoiceRefused) as err:
        await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id, CUSTOMER,
                                       requested_by="customer")
    assert err.value.code == "invoice_window_closed"
    assert "terminó el" in err.value.message
