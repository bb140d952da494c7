"""Stripe through its official SDK (``stripe`` 16.x, StripeClient, async calls over httpx).

One client per account (the platform's, or a shop's own for payment links). Every create
carries an idempotency key, so the SDK's retries never make a second session. Webhooks are
verified by the SDK within its tolerance. Objects come back as ``StripeObject`` (not dicts:
read them with :func:`field`).
"""

from __future__ import annotations

import json
from typing import Any, cast

import stripe
from stripe.params import CustomerCreateParams
from stripe.params.checkout import SessionCreateParams

from shared.errors import DomainError

RETRIES = 2  # connection errors, 409, 5xx: the same idempotency key each time


class InvalidSignature(DomainError):
    code = "invalid_signature"


class StripeUnavailable(DomainError):
    """Stripe could not be reached or refused the call."""

    code = "payments_unavailable"


def make_client(secret_key: str, api_base: str | None = None) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret_key, base_addresses={"api": api_base.rstrip("/")} if api_base else {},
        http_client=stripe.HTTPXClient(timeout=20), max_network_retries=RETRIES)


def field(obj: Any, *path: str | int) -> Any:
    """``field(invoice, "parent", "subscription_details", "subscription")``: None where any
    step is missing or null (a StripeObject is not a dict: ``.get`` does not exist)."""
    for name in path:
        if obj is None:
            return None
        try:
            obj = obj[name]
        except (KeyError, TypeError, IndexError):
            return None
    return obj


def verify(payload: bytes, signature: str | None, secret: str, tolerance_s: int) -> dict[str, Any]:
    """The event in ``payload`` if ``signature`` is Stripe's for it within the tolerance."""
    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature or "", secret,
                                              tolerance_s)
    except (stripe.SignatureVerificationError, UnicodeDecodeError):
        raise InvalidSignature("La firma de Stripe no es válida.") from None
    try:
        event = json.loads(payload)
    except ValueError:
        raise InvalidSignature("El evento de Stripe no es JSON válido.") from None
    if not (isinstance(event, dict) and isinstance(event.get("id"), str)
            and isinstance(event.get("type"), str) and isinstance(event.get("created"), int)):
        raise InvalidSignature("El evento de Stripe no tiene id, tipo y fecha.")
    return event


def unavailable(exc: stripe.StripeError) -> StripeUnavailable:
    return StripeUnavailable("No se pudo hablar con el procesador de pagos. Intenta de nuevo "
                             f"en unos minutos. ({type(exc).__name__})")


class StripeAccount:
    """The calls MiChangarrito makes on one Stripe account."""

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client
        self._prices: dict[tuple[str, int], str] = {}

    async def price_for(self, lookup_key: str, name: str, unit_amount: int) -> str:
        """The id of the monthly MXN price under ``lookup_key`` at ``unit_amount``: found, or
        made (a price edited in the plans table gets a new Stripe price, which takes over the
        lookup key; subscribers keep theirs until they change plan)."""
        key = (lookup_key, unit_amount)
        if key in self._prices:
            return self._prices[key]
        found = await self.client.v1.prices.list_async(
            params={"lookup_keys": [lookup_key], "active": True, "limit": 1})
        price = found.data[0] if found.data else None
        if price is None or price.unit_amount != unit_amount:
            product = await self.client.v1.products.create_async(
                params={"name": f"MiChangarrito {name}"},
                options={"idempotency_key": f"product-{lookup_key}-{unit_amount}"})
            price = await self.client.v1.prices.create_async(params={
                "currency": "mxn", "unit_amount": unit_amount, "recurring": {"interval": "month"},
                "product": product.id, "lookup_key": lookup_key, "transfer_lookup_key": True,
            }, options={"idempotency_key": f"price-{lookup_key}-{unit_amount}"})
        self._prices[key] = price.id
        return str(price.id)

    async def create_customer(self, tenant_id: str, name: str, email: str | None) -> str:
        params: dict[str, Any] = {"name": name, "metadata": {"tenant_id": tenant_id}}
        if email:
            params["email"] = email
        customer = await self.client.v1.customers.create_async(
            params=cast(CustomerCreateParams, params), options={"idempotency_key": f"customer-{tenant_id}"})
        return str(customer.id)

    async def create_session(self, params: dict[str, Any], idempotency_key: str) -> Any:
        # Built as a plain dict (the SDK's TypedDicts would be a second copy of Stripe's docs).
        return await self.client.v1.checkout.sessions.create_async(
            params=cast(SessionCreateParams, params), options={"idempotency_key": idempotency_key})

    async def expire_session(self, session_id: str) -> None:
        await self.client.v1.checkout.sessions.expire_async(session_id)

    async def portal_url(self, customer_id: str, return_url: str) -> str:
        session = await self.client.v1.billing_portal.sessions.create_async(
            params={"customer": customer_id, "return_url": return_url})
        return str(session.url)

    async def session(self, session_id: str) -> Any:
        return await self.client.v1.checkout.sessions.retrieve_async(session_id)

    async def subscription(self, subscription_id: str) -> Any:
        return await self.client.v1.subscriptions.retrieve_async(
            subscription_id, params={"expand": ["items.data.price"]})

    async def change_price(self, subscription_id: str, item_id: str, price_id: str,
                           metadata: dict[str, str], idempotency_key: str) -> Any:
        """The subscription billed at ``price_id`` from now on (Stripe's default proration)."""
        return await self.client.v1.subscriptions.update_async(subscription_id, params={
            "items": [{"id": item_id, "price": price_id}], "metadata": metadata,
        }, options={"idempotency_key": idempotency_key})

    async def payment_intent(self, payment_intent_id: str) -> Any:
        return await self.client.v1.payment_intents.retrieve_async(payment_intent_id)

    async def paid_with(self, payment_intent_id: str) -> str | None:
        """The type of the payment method the customer used ("card", "oxxo"): the intent's
        ``payment_method_types`` only lists what the session allowed."""
        intent = await self.client.v1.payment_intents.retrieve_async(
            payment_intent_id, params={"expand": ["payment_method"]})
        method = intent.payment_method
        return str(method.type) if method is not None and not isinstance(method, str) else None

    async def reversals(self, payment_intent_id: str) -> tuple[list[Any], list[Any]]:
        """The refunds and the disputes (chargebacks) of a payment, as Stripe has them now."""
        refunds = await self.client.v1.refunds.list_async(
            params={"payment_intent": payment_intent_id, "limit": 100})
        disputes = await self.client.v1.disputes.list_async(
            params={"payment_intent": payment_intent_id, "limit": 100})
        return ([r async for r in refunds.auto_paging_iter()],
                [d async for d in disputes.auto_paging_iter()])

    async def events_since(self, since_unix: int) -> list[Any]:
        """Every event Stripe still keeps (30 days) created at or after ``since_unix``."""
        page = await self.client.v1.events.list_async(
            params={"created": {"gte": since_unix}, "limit": 100})
        return [event async for event in page.auto_paging_iter()]
