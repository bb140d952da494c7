"""The demo shop: the starter catalog plus a few neighbours, some of them owing on fiado."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.catalog import load_starter_catalog
from shared.clock import utc_now
from shared.ids import new_uuid7
from shared.sale import PaymentMethod
from shared.sync.envelopes import Change, CustomerChange, FiadoChargeChange, FiadoPaymentChange
from shared.sync.payloads import CustomerPayload, FiadoChargePayload, FiadoPaymentPayload
from sync_server.billing import plan_state
from sync_server.db import Pool, tenant_tx
from sync_server.repositories import owners, plans, subscriptions
from sync_server.services.accounts import hash_password
from sync_server.services.integrations import Integrations
from sync_server.services.shops import Shop, create_shop
from sync_server.services.whatsapp_setup import shop_link
from sync_server.sync.clock import server_clock

DEMO_SHOP_NAME = "Abarrotes La Esperanza"
# The demo shop's owner, for Cuenta en línea (printed by the demo).
DEMO_OWNER_EMAIL = "duena@demo.michangarrito.mx"
DEMO_OWNER_PASSWORD = "demostracion"
# The demo shop's plan: a Tiendita trial, so its WhatsApp bot answers with no Stripe account.
DEMO_PLAN, DEMO_TRIAL = "tiendita", timedelta(days=30)

# (name, WhatsApp phone, credit limit, [(days ago, charge)], [(days ago, payment)]) in centavos.
_NEIGHBOURS = [
    ("Doña Lupita Hernández", "+525512345678", 50_000, [(12, 18_550), (5, 9_200)], [(7, 10_000)]),
    ("Don Beto Ramírez", "+525587654321", 30_000, [(3, 12_700)], []),
    ("Maestra Carmen Ortiz", "+525511223344", 80_000, [(20, 25_000)], [(13, 25_000)]),
    ("Juanito el del taller", None, 20_000, [(1, 6_400), (2, 3_150)], []),
    ("Sra. Rosa Martínez", "+525599887766", 40_000, [], []),
]


def demo_customer_changes() -> list[Change]:
    now = utc_now()
    out: list[Change] = []

    def envelope() -> dict[str, Any]:
        return {"change_id": new_uuid7(), "device_seq": 0, "hlc": server_clock.now(),
                "created_at": now}

    for name, phone, limit, charges, payments in _NEIGHBOURS:
        customer_id = new_uuid7()
        out.append(CustomerChange(entity="customer", payload=CustomerPayload(
            id=customer_id, name=name, phone=phone, credit_limit=limit), **envelope()))
        for days, amount in charges:
            out.append(FiadoChargeChange(entity="fiado_charge", payload=FiadoChargePayload(
                id=new_uuid7(), customer_id=customer_id, amount=amount,
                note="Saldo del cuaderno", charged_at=now - timedelta(days=days)), **envelope()))
        for days, amount in payments:
            out.append(FiadoPaymentChange(entity="fiado_payment", payload=FiadoPaymentPayload(
                id=new_uuid7(), customer_id=customer_id, amount=amount,
                method=PaymentMethod.CASH, note="Abono", paid_at=now - timedelta(days=days)),
                **envelope()))
    return out


async def create_demo_shop(
    pool: Pool, integrations: Integrations | None = None, mercadopago: tuple[str, str] | None = None,
) -> Shop:
    """The demo shop, with its owner's online account, on a Tiendita trial; given the demo's
    stand-in MercadoPago credentials (access token, webhook secret), its MercadoPago connected
    for payment links."""
    shop = await create_shop(pool, DEMO_SHOP_NAME, load_starter_catalog(),
                             extra=demo_customer_changes())
    await shop_link(pool, shop.tenant_id, None)  # its code on the shared number: ESPERANZA
    async with tenant_tx(pool, shop.tenant_id) as conn:
        await owners.insert(conn, shop.tenant_id, new_uuid7(), "Doña Mary",
                            DEMO_OWNER_EMAIL, None, hash_password(DEMO_OWNER_PASSWORD))
        free = await plans.free(conn)
        await subscriptions.ensure(conn, shop.tenant_id, free.limits.code)
        await subscriptions.start_local_trial(conn, shop.tenant_id, DEMO_PLAN,
                                              utc_now() + DEMO_TRIAL)
        await plan_state.publish(conn, shop.tenant_id, grace_days=0)  # a trial has no grace
    if integrations is not None and mercadopago is not None:
        await integrations.save(shop.tenant_id, "mercadopago", {},
                                {"access_token": mercadopago[0], "webhook_secret": mercadopago[1]})
    return shop
