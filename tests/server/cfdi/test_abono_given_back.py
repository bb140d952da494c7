"""An online abono given back (a refund through the shop's MercadoPago, its SDK against the
local fake) after its payment complement was stamped: the complement is cancelled with 02, and
what is left of the abono goes on a new complement, so the invoice's balance reads right in it
and in the next one."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from shared.fiscal import check_receptor
from sync_server.billing.context import Billing
from sync_server.billing.pay_events import handle
from sync_server.billing.pay_providers import KIND_OF
from sync_server.billing.paylinks import pay_link_for, provider_for
from sync_server.services import invoice_payments
from tests.support.cfdi import abono, complement_parts, documents, drain, ppd_invoice, rows
from tests.support.fakes.mercadopago_api import FakeMercadoPago

pytestmark = pytest.mark.anyio

CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")


@pytest.fixture
def mp() -> Iterator[FakeMercadoPago]:
    fake = FakeMercadoPago().start()
    yield fake
    fake.stop()


async def _notified(billing: Billing, shop, payment_id: str) -> None:
    """MercadoPago's notification of the payment, handled as the billing worker handles a
    verified one (it reads the payment back from MercadoPago)."""
    provider = await provider_for(billing, shop.tenant_id)
    await handle(billing, shop.tenant_id, provider, {
        "query": {"data.id": payment_id, "type": "payment"},
        "body": {"type": "payment", "action": "payment.updated", "data": {"id": payment_id}}},
        attempt=1)


async def _complements(shop):
    return [r for r in await rows(shop.ctx, shop.tenant_id) if r.kind == "payment"]


async def test_a_refunded_abono_cancels_its_complement_and_the_rest_goes_on_a_new_one(
        shop, mp, cfdi_settings):
    billing = Billing.from_settings(shop.ctx.pool, cfdi_settings.model_copy(
        update={"mercadopago_api_base": mp.url}), shop.ctx.integrations)
    await shop.ctx.integrations.save(shop.tenant_id, KIND_OF["mercadopago"], {}, {
        "access_token": mp.access_token, "webhook_secret": mp.secret})
    customer, inv = await ppd_invoice(shop, CUSTOMER)

    await pay_link_for(billing, shop.tenant_id, customer, 4_000)
    (pref,) = mp.preferences.values()
    payment_id = mp.pay(pref["id"], "card")
    await _notified(billing, shop, payment_id)
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    await drain(shop.ctx)
    [first] = await _complements(shop)
    assert complement_parts(await documents(shop.ctx, shop.tenant_id, first.invoice_id)) == [
        (inv.uuid, 1, Decimal("100.00"), Decimal("40.00"), Decimal("60.00"))]

    mp.refund(payment_id, 15.0)  # $15 of the $40 given back
    await _notified(billing, shop, payment_id)
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 0
    await drain(shop.ctx)  # the complement's cancellation (02) goes to the PAC
    [first] = await _complements(shop)
    assert (first.cancel_status, first.cancel_motive) == ("cancelled", "02")
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 0
    await drain(shop.ctx)
    _, second = await _complements(shop)
    assert second.status == "stamped"
    assert complement_parts(await documents(shop.ctx, shop.tenant_id, second.invoice_id)) == [
        (inv.uuid, 1, Decimal("100.00"), Decimal("25.00"), Decimal("75.00"))]

    # The next abono reads the balance as it now is.
    await shop.push(abono(shop.till, customer, 7_500))
    assert await invoice_payments.issue_payment_receipts(shop.ctx, shop.tenant_id) == 1
    await drain(shop.ctx)
    *_, third = await _complements(shop)
    assert complement_parts(await documents(shop.ctx, shop.tenant_id, third.invoice_id)) == [
        (inv.uuid, 2, Decimal("75.00"), Decimal("75.00"), Decimal("0.00"))]
