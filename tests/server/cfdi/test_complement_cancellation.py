"""Cancelling a payment complement while its abono stands: with motive 01 its replacement (the
same payment, related by TipoRelacion 04) is stamped first and the old one cancelled naming it;
with 02 the next pass issues a new one. Either way the invoice's balance reads right after."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.fiscal import check_receptor
from sync_server import db
from sync_server.repositories import invoices
from sync_server.services import cancellation, fiscal, invoice_payments, stamping
from tests.support.cfdi import abono, complement_parts, documents, drain, ppd_invoice, rows

pytestmark = pytest.mark.anyio

CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")


async def _complement_stamped(shop):
    """A fiado sale of $100 invoiced PPD and one abono of $40 on a stamped complement."""
    customer, inv = await ppd_invoice(shop, CUSTOMER)
    await shop.push(abono(shop.till, customer, 4_000))
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    await drain(shop.ctx)
    [rep] = [r for r in await rows(shop.ctx, shop.tenant_id) if r.kind == "payment"]
    assert rep.status == "stamped"
    return customer, inv, rep


async def test_motive_01_on_a_complement_stamps_its_replacement_first_and_names_it(shop):
    customer, inv, old = await _complement_stamped(shop)
    new = await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, old.invoice_id, "01")
    assert (new.kind, new.status) == ("payment", "pending")
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 0
    await drain(shop.ctx)

    by_id = {r.invoice_id: r for r in await rows(shop.ctx, shop.tenant_id)}
    assert by_id[new.invoice_id].status == "stamped"
    assert (by_id[old.invoice_id].cancel_status, by_id[old.invoice_id].cancel_motive) == (
        "cancelled", "01")
    stamp = shop.pac.by_uuid(old.cfdi_uuid or "")
    assert stamp is not None
    assert (stamp.motive, stamp.substitute) == ("01", by_id[new.invoice_id].cfdi_uuid)
    doc = await documents(shop.ctx, shop.tenant_id, new.invoice_id)  # Pagos 2.0 XSD-valid
    [rel] = doc["CfdiRelacionados"]
    assert (rel["TipoRelacion"], [str(u).upper() for u in rel["CfdiRelacionado"]]) == (
        "04", [str(old.cfdi_uuid).upper()])
    assert complement_parts(doc) == [(inv.uuid, 1, Decimal("100.00"), Decimal("40.00"), Decimal("60.00"))]

    # No third complement for that abono; the next one reads the balance the replacement left.
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 0
    await shop.push(abono(shop.till, customer, 6_000))
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    await drain(shop.ctx)
    [last] = [r for r in await rows(shop.ctx, shop.tenant_id)
              if r.kind == "payment" and r.invoice_id not in by_id]
    assert complement_parts(await documents(shop.ctx, shop.tenant_id, last.invoice_id)) == [
        (inv.uuid, 2, Decimal("60.00"), Decimal("60.00"), Decimal("0.00"))]


async def test_a_refused_replacement_leaves_the_complement_and_its_payment_in_place(shop):
    _, _, old = await _complement_stamped(shop)
    new = await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, old.invoice_id, "01")
    shop.pac.next_answers(("CFDI40147", "El RFC del receptor no se encuentra en la lista del SAT"))
    await drain(shop.ctx)
    by_id = {r.invoice_id: r for r in await rows(shop.ctx, shop.tenant_id)}
    assert by_id[new.invoice_id].status == "rejected"
    assert by_id[old.invoice_id].cancel_status is None  # never sent: still in force
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 0


async def test_motive_02_on_a_complement_gets_a_new_one_for_the_abono_on_the_next_pass(shop):
    _, inv, old = await _complement_stamped(shop)
    await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, old.invoice_id, "02")
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 0  # not yet
    await drain(shop.ctx)
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 0
    await drain(shop.ctx)
    reps = [r for r in await rows(shop.ctx, shop.tenant_id) if r.kind == "payment"]
    assert [(r.status, r.cancel_status) for r in reps] == [("stamped", "cancelled"),
                                                           ("stamped", None)]
    assert complement_parts(await documents(shop.ctx, shop.tenant_id, reps[1].invoice_id)) == [
        (inv.uuid, 1, Decimal("100.00"), Decimal("40.00"), Decimal("60.00"))]


async def test_a_second_01_while_the_replacement_waits_is_refused(shop):
    """Until the replacement is stamped the old one's cancellation is not asked for; a second
    01 then would sign a second replacement (two CFDI for one payment)."""
    _, _, old = await _complement_stamped(shop)
    await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, old.invoice_id, "01")
    with pytest.raises(cancellation.CancelRefused):
        await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, old.invoice_id, "01")
    await drain(shop.ctx)
    reps = [r for r in await rows(shop.ctx, shop.tenant_id) if r.kind == "payment"]
    assert [(r.status, r.cancel_status) for r in reps] == [("stamped", "cancelled"),
                                                           ("stamped", None)]


async def test_a_complement_remade_after_an_earlier_one_is_cancelled_repeats_no_installment(shop):
    """Two complements in force for one invoice never say the same NumParcialidad: the abono
    freed by a 02 on the first goes on a new one numbered after the last, and its balances read
    from what the complements in force paid."""
    customer, inv, first = await _complement_stamped(shop)
    await shop.push(abono(shop.till, customer, 3_000))
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    await drain(shop.ctx)
    await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, first.invoice_id, "02")
    await drain(shop.ctx)
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    await drain(shop.ctx)
    in_force = [r for r in await rows(shop.ctx, shop.tenant_id)
                if r.kind == "payment" and r.cancel_status is None]
    parts = [p for r in in_force
             for p in complement_parts(await documents(shop.ctx, shop.tenant_id, r.invoice_id))]
    assert sorted(parts, key=lambda p: p[1]) == [
        (inv.uuid, 2, Decimal("60.00"), Decimal("30.00"), Decimal("30.00")),
        (inv.uuid, 3, Decimal("70.00"), Decimal("40.00"), Decimal("30.00"))]


async def test_cancelling_a_ppd_invoice_cancels_its_complements_first_and_its_replacement_gets_new_ones(shop):
    """SAT does not cancel an invoice a complement in force relates (DoctoRelacionado), and an
    abono on a complement of the cancelled invoice and on one of its replacement would be
    reported twice: the complement is cancelled (02) before the invoice, and the abono goes on
    a complement of the replacement."""
    _, inv, old_rep = await _complement_stamped(shop)
    fixed = check_receptor("XOJI740919U48", "Ingrid Xodar Jimenez", "76028", "612", "G03")
    new = await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, inv.invoice_id, "01", fixed)
    issuing = await fiscal.issuing(shop.ctx, shop.tenant_id)
    assert await stamping.stamp_next(shop.ctx, shop.tenant_id, issuing)  # the replacement
    # (a pass now would put the abono on a complement of the replacement while the old one's
    # is still in force)
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 0
    await drain(shop.ctx)
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    await drain(shop.ctx)
    by_id = {r.invoice_id: r for r in await rows(shop.ctx, shop.tenant_id)}
    assert by_id[inv.invoice_id].cancel_status == "cancelled"
    assert (by_id[old_rep.invoice_id].cancel_status, by_id[old_rep.invoice_id].cancel_motive) == (
        "cancelled", "02")
    [rep] = [r for r in by_id.values() if r.kind == "payment" and r.cancel_status is None]
    assert complement_parts(await documents(shop.ctx, shop.tenant_id, rep.invoice_id)) == [
        (by_id[new.invoice_id].cfdi_uuid, 1, Decimal("100.00"), Decimal("40.00"),
         Decimal("60.00"))]


async def test_a_complement_being_stamped_when_its_invoice_is_cancelled_is_cancelled_after_it(shop):
    """The PAC call under way when the owner cancels the invoice cannot be called back: once
    the complement is stamped it is cancelled (02), then the invoice."""
    customer, inv = await ppd_invoice(shop, CUSTOMER)
    await shop.push(abono(shop.till, customer, 4_000))
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    [rep] = [r for r in await rows(shop.ctx, shop.tenant_id) if r.kind == "payment"]
    async with db.tenant_tx(shop.ctx.pool, shop.tenant_id) as conn:
        assert await invoices.claim_to_stamp(conn, shop.tenant_id, rep.invoice_id)
    await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, inv.invoice_id, "02")
    async with db.tenant_tx(shop.ctx.pool, shop.tenant_id) as conn:  # the call ended unknown
        await invoices.expire_claims(conn, shop.tenant_id, -1)
    await drain(shop.ctx)
    by_id = {r.invoice_id: r for r in await rows(shop.ctx, shop.tenant_id)}
    assert (by_id[rep.invoice_id].status, by_id[rep.invoice_id].cancel_status) == (
        "stamped", "cancelled")
    assert by_id[inv.invoice_id].cancel_status == "cancelled"
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 0


async def test_an_invoice_cancelled_while_its_complements_replacement_waits_takes_both_along(shop):
    _, inv, old = await _complement_stamped(shop)
    new = await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, old.invoice_id, "01")
    await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, inv.invoice_id, "02")
    await drain(shop.ctx)
    by_id = {r.invoice_id: r for r in await rows(shop.ctx, shop.tenant_id)}
    assert [(by_id[i].status, by_id[i].cancel_status, by_id[i].cancel_motive)
            for i in (old.invoice_id, new.invoice_id, inv.invoice_id)] == [
        ("stamped", "cancelled", "01"), ("stamped", "cancelled", "02"),
        ("stamped", "cancelled", "02")]
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 0
