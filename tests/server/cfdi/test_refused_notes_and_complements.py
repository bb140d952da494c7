"""One rule after the PAC refuses a CFDI (bad data), whatever its kind: it covers nothing, and
the next pass makes a new one. A credit note's return and a complement's payment are not held
by the refused one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.fiscal import check_receptor
from sync_server.services import credit_notes, invoice_payments, invoicing
from tests.support.cfdi import (
    Item,
    abono,
    complement_parts,
    documents,
    drain,
    ppd_invoice,
    rows,
    sale,
    sale_id_of,
)

pytestmark = pytest.mark.anyio

CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")
REFUSAL = ("CFDI40147", "El RFC del receptor no se encuentra en la lista del SAT")


def _of(all_rows, kind):
    return sorted((r for r in all_rows if r.kind == kind), key=lambda r: r.folio)


async def test_a_refused_credit_note_is_made_again_on_the_next_pass(shop):
    change = sale(shop.till, [Item("Aceite", 4500), Item("Arroz", 3000)])
    await shop.push(change)
    original = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change),
                                              CUSTOMER, requested_by="customer", wait_s=5)
    await shop.push(shop.till.sale_return(sale_id_of(change), [(2, None, 3000)]))
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 1
    shop.pac.next_answers(REFUSAL)
    await drain(shop.ctx)
    [refused] = _of(await rows(shop.ctx, shop.tenant_id), "credit")
    assert refused.status == "rejected"

    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 1
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 0  # once
    await drain(shop.ctx)
    old, new = _of(await rows(shop.ctx, shop.tenant_id), "credit")
    assert (old.status, new.status, new.total, new.credits, new.folio) == (
        "rejected", "stamped", 3000, original.invoice_id, old.folio + 1)


async def test_a_refused_payment_complement_is_made_again_with_the_same_installment(shop):
    customer, _ = await ppd_invoice(shop, CUSTOMER)
    await shop.push(abono(shop.till, customer, 4_000))
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    shop.pac.next_answers(REFUSAL)
    await drain(shop.ctx)
    [refused] = _of(await rows(shop.ctx, shop.tenant_id), "payment")
    assert refused.status == "rejected"

    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 0
    await drain(shop.ctx)
    old, new = _of(await rows(shop.ctx, shop.tenant_id), "payment")
    assert (old.status, new.status) == ("rejected", "stamped")
    doc = await documents(shop.ctx, shop.tenant_id, new.invoice_id)
    [(_, *part)] = complement_parts(doc)
    assert part == [1, Decimal("100.00"), Decimal("40.00"), Decimal("60.00")]
