"""Fiado sales invoiced PPD with forma 99, a payment complement (Pagos 2.0) for what each
payment put on them; cancellations with SAT's motives, their state following the PAC's answers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shared.clock import utc_now
from shared.fiscal import check_receptor
from shared.ids import new_uuid7
from sync_server import db
from sync_server.services import cancellation, invoice_payments, invoicing
from tests.support.cfdi import Item, documents, drain, rows, sale, sale_id_of

pytestmark = pytest.mark.anyio

CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")


def _charge(till, customer, amount, sale_id=None, days_ago=0):
    return till.change("fiado_charge", {"id": new_uuid7(), "customer_id": customer,
                                        "amount": amount, "sale_id": sale_id,
                                        "charged_at": (utc_now() - timedelta(days=days_ago)).isoformat()})


def _abono(till, customer, amount, method="efectivo"):
    return till.change("fiado_payment", {"id": new_uuid7(), "customer_id": customer,
                                         "amount": amount, "method": method,
                                         "paid_at": utc_now().isoformat()})


def _payments(doc):
    pagos = doc["Complemento"]["Pagos"]
    return [(str(dr["IdDocumento"]), dr["NumParcialidad"], dr["ImpSaldoAnt"], dr["ImpPagado"],
             dr["ImpSaldoInsoluto"]) for p in pagos["Pago"] for dr in p["DoctoRelacionado"]]


async def test_a_fiado_sale_is_ppd_and_each_payment_gets_its_complement(shop):
    customer = new_uuid7()
    notebook = _charge(shop.till, customer, 1_000, days_ago=10)  # an older debt: paid first
    change = sale(shop.till, [Item("Despensa", 10_000)], [("efectivo", 3_000), ("fiado", 7_000)],
                  customer_id=customer)
    await shop.push(shop.till.customer("Ingrid", customer_id=customer), notebook, change,
                    _charge(shop.till, customer, 7_000, sale_id_of(change)))
    inv = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change), CUSTOMER,
                                         requested_by="counter", wait_s=5)
    doc = await documents(shop.ctx, shop.tenant_id, inv.invoice_id)
    assert (doc["MetodoPago"], doc["FormaPago"]) == ("PPD", "99")

    await shop.push(_abono(shop.till, customer, 5_000, "transferencia"))
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 2
    await shop.push(_abono(shop.till, customer, 5_000))
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 0
    await drain(shop.ctx)

    receipts = [r for r in await rows(shop.ctx, shop.tenant_id) if r.kind == "payment"]
    assert [r.status for r in receipts] == ["stamped"] * 3
    parts, formas = [], []
    for r in receipts:
        rep = await documents(shop.ctx, shop.tenant_id, r.invoice_id)  # Pagos 2.0 XSD too
        assert (rep["TipoDeComprobante"], rep["Receptor"]["UsoCFDI"]) == ("P", "CP01")
        formas.append(rep["Complemento"]["Pagos"]["Pago"][0]["FormaDePagoP"])
        parts += _payments(rep)
    u = inv.uuid
    assert parts == [  # cash at the counter; then 50 − 10 of the notebook; then the last 30
        (u, 1, Decimal("100.00"), Decimal("30.00"), Decimal("70.00")),
        (u, 2, Decimal("70.00"), Decimal("40.00"), Decimal("30.00")),
        (u, 3, Decimal("30.00"), Decimal("30.00"), Decimal("0.00")),
    ]
    assert [str(f.code) if hasattr(f, "code") else str(f) for f in formas] == ["01", "03", "01"]


async def test_motive_01_stamps_the_replacement_first_and_names_it(shop):
    change = sale(shop.till, [Item("Refresco", 1800)])
    await shop.push(change)
    old = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change), CUSTOMER,
                                         requested_by="customer", wait_s=5)
    fixed = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76030", "612", "G01")
    new = await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, old.invoice_id, "01", fixed)
    assert new.invoice_id != old.invoice_id
    await drain(shop.ctx)
    by_id = {r.invoice_id: r for r in await rows(shop.ctx, shop.tenant_id)}
    assert by_id[new.invoice_id].status == "stamped"
    assert by_id[old.invoice_id].cancel_status == "cancelled"
    doc = await documents(shop.ctx, shop.tenant_id, new.invoice_id)
    [rel] = doc["CfdiRelacionados"]
    assert (rel["TipoRelacion"], rel["CfdiRelacionado"]) == ("04", [old.uuid])
    stamp = shop.pac.by_uuid(old.uuid or "")
    assert stamp is not None
    assert (stamp.motive, stamp.substitute) == ("01", by_id[new.invoice_id].cfdi_uuid)


async def test_a_large_invoice_waits_for_the_customer_to_accept_its_cancellation(shop):
    change = sale(shop.till, [Item("Refrigerador", 1_500_000)])
    await shop.push(change)
    inv = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change), CUSTOMER,
                                         requested_by="customer", wait_s=5)
    await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, inv.invoice_id, "03")
    await drain(shop.ctx)
    [row] = await rows(shop.ctx, shop.tenant_id)
    assert row.cancel_status == "in_process"  # above $1,000 the customer must accept
    with pytest.raises(cancellation.CancelRefused):
        await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, inv.invoice_id, "02")
    shop.pac.customer_answers(inv.uuid or "", accept=False)
    async with db.tenant_tx(shop.ctx.pool, shop.tenant_id) as conn:
        await conn.execute("UPDATE invoices SET cancel_next_at = now()")  # the hour has passed
    await drain(shop.ctx)
    [row] = await rows(shop.ctx, shop.tenant_id)
    assert (row.cancel_status, row.cancel_error) == ("refused", "El cliente rechazó la cancelación.")
    assert row.status == "stamped"  # still valid: the owner may ask again
