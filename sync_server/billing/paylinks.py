"""Payment links: a customer pays what they owe through the shop's own provider.

``pay_link_for`` is the one function other features call (the WhatsApp statement sender, the
bot, the owner's account): it picks the shop's connected provider, makes the link there with
no transaction open, and records it. The provider's notifications come back to
``/v1/pay/webhooks/<provider>/<tenant>/<token>``: the token (an HMAC of the server's secret)
keeps strangers from making the server look anything up; the provider's own signature, where
it has one, proves the notification.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass

from shared.clock import utc_now
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.money import format_mxn
from sync_server import db
from sync_server.billing.context import Billing
from sync_server.billing.pay_providers import KIND_OF, PREFERENCE, PROVIDERS, NotConnected, Provider
from sync_server.repositories import pay_links, tenants
from sync_server.repositories.pay_links import PayLink

log = logging.getLogger(__name__)

MAX_LINK_AMOUNT = 5_000_000  # $50,000.00: far above a corner shop's fiado


class InvalidLinkAmount(DomainError):
    code = "invalid_amount"


class UnknownCustomerForLink(DomainError):
    code = "unknown_customer"


def hook_token(billing: Billing, provider: str, tenant_id: uuid.UUID) -> str:
    key = billing.settings.signing_secret().encode()
    return hmac.new(key, f"pay:{provider}:{tenant_id}".encode(), hashlib.sha256).hexdigest()[:32]


def token_ok(billing: Billing, provider: str, tenant_id: uuid.UUID, token: str) -> bool:
    return hmac.compare_digest(hook_token(billing, provider, tenant_id), token)


def hook_url(billing: Billing, provider: str, tenant_id: uuid.UUID) -> str:
    return (f"{billing.settings.base_url()}/v1/pay/webhooks/{provider}/{tenant_id}/"
            f"{hook_token(billing, provider, tenant_id)}")


async def provider_for(billing: Billing, tenant_id: uuid.UUID, name: str | None = None) -> Provider:
    """The shop's connected provider (``name``, or the first of MercadoPago, Stripe, Clip)."""
    for candidate in ([name] if name else PREFERENCE):
        if candidate not in PROVIDERS:
            continue
        creds = await billing.integrations.resolve(tenant_id, KIND_OF[candidate])
        if creds is not None and creds.source == "shop":
            return PROVIDERS[candidate](creds, billing.settings)
    raise NotConnected("La tienda no tiene conectado un medio de pago (Mercado Pago, Stripe o "
                       "Clip). Conéctalo en Cuenta en línea → Integraciones.")


@dataclass(frozen=True)
class Link:
    link_id: uuid.UUID
    provider: str
    url: str
    amount: int
    methods: list[str]  # "card", "oxxo"

    def line(self) -> str:
        """What a message to the customer says about it (es-MX)."""
        ways = "tarjeta u OXXO" if "oxxo" in self.methods else "tarjeta"
        return f"Paga {format_mxn(self.amount)} en línea ({ways}): {self.url}"


async def pay_link_for(billing: Billing, tenant_id: uuid.UUID, customer_id: uuid.UUID,
                       amount: int) -> Link:
    """A link for ``customer_id`` to pay ``amount`` centavos of their fiado to the shop.

    Raises ``payments_not_connected`` when the shop has no provider, ``unknown_customer`` for
    a customer the shop does not have, ``invalid_amount`` for 0 or more than $50,000.
    When it is paid (card now, OXXO within days), the payment becomes an abono on the
    customer's account, once, on the server and on every till, and the customer gets a receipt.
    """
    if not 0 < amount <= MAX_LINK_AMOUNT:
        raise InvalidLinkAmount(f"El monto de un enlace de pago va de $0.01 a "
                                f"{format_mxn(MAX_LINK_AMOUNT)}.")
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        contact = await pay_links.customer_contact(conn, tenant_id, customer_id)
        shop = await tenants.get_name(conn, tenant_id) or "la tienda"
    if contact is None:
        raise UnknownCustomerForLink("Ese cliente no es de la tienda.")
    provider = await provider_for(billing, tenant_id)
    link_id = new_uuid7()
    made = await provider.create(link_id, amount, f"Abono a tu cuenta en {shop}"[:120],
                                 hook_url(billing, provider.name, tenant_id),
                                 billing.return_url("abono"))
    link = PayLink(link_id, provider.name, customer_id, amount, made.provider_ref, made.url,
                   list(provider.methods), "open", created_at=utc_now())
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        await pay_links.insert_link(conn, tenant_id, link)
    log.info("pay link made", extra={"tenant_id": str(tenant_id), "provider": provider.name})
    return Link(link_id, provider.name, made.url, amount, list(provider.methods))
