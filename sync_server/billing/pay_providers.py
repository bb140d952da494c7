"""The payment providers a shop can connect for payment links: MercadoPago (official SDK),
Stripe (the shop's own account, official SDK) and Clip (REST), behind one shape.

Each one makes a link, verifies its own notifications (MercadoPago's ``x-signature``,
Stripe's ``Stripe-Signature``; Clip signs nothing, so its notification is only a hint), and
reads a payment's current state back (refunds and disputes included) with the shop's
credentials: that reading, never the notification's body, is what becomes an abono, a refund
or a chargeback.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import stripe

from shared.clock import utc_now
from shared.errors import DomainError
from sync_server.config import Settings
from sync_server.integrations import clip_api, mercadopago_api, stripe_api
from sync_server.services.integrations import Credentials

CARD, OXXO = "card", "oxxo"
LINK_DAYS = 7  # a link, and an OXXO voucher made from it, stay payable this long


class NotConnected(DomainError):
    code = "payments_not_connected"


@dataclass(frozen=True)
class Webhook:
    """A notification as it arrived: raw body, headers (lower-case), query string."""

    body: bytes
    headers: dict[str, str]
    query: dict[str, str]

    def json(self) -> dict[str, Any]:
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}


@dataclass(frozen=True)
class Made:
    provider_ref: str
    url: str


@dataclass(frozen=True)
class Paid:
    """A payment the provider says is done, for the link ``link_id``."""

    payment_ref: str
    link_id: uuid.UUID
    amount: int
    method: str
    paid_at: datetime


@dataclass(frozen=True)
class Reversed:
    """Money given back (refund) or taken back (chargeback) on a payment."""

    payment_ref: str
    reversal_ref: str
    kind: str
    amount: int
    # The provider says only how much was given back in all (Clip's ``amount_refunded``):
    # what is new is that total less what is already recorded.
    cumulative: bool = False


@dataclass(frozen=True)
class Reading:
    paid: list[Paid] = field(default_factory=list)
    reversed: list[Reversed] = field(default_factory=list)
    note: str = ""


class Provider(Protocol):
    name: str  # pay_links.provider
    kind: str  # the integration that holds its credentials
    methods: list[str]

    async def create(self, link_id: uuid.UUID, amount: int, title: str, hook_url: str,
                     return_url: str) -> Made: ...

    def event_key(self, hook: Webhook) -> str | None:
        """The key a retry repeats, if ``hook`` is authentic (else None: store nothing)."""

    async def read(self, event: dict[str, Any]) -> Reading:
        """What the provider says now about what ``event`` ({"query", "body"} as stored) names."""


def _link_id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _parse_time(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        return utc_now()


class MercadoPago:
    name = kind = "mercadopago"
    methods = [CARD, OXXO]

    def __init__(self, creds: Credentials, settings: Settings) -> None:
        token = creds.secret("access_token")
        if not token:
            raise NotConnected("Falta el access token de Mercado Pago.")
        self._account = mercadopago_api.MercadoPagoAccount(token, settings.mercadopago_api_base)
        self._secret = creds.secret("webhook_secret") or ""

    async def create(self, link_id: uuid.UUID, amount: int, title: str, hook_url: str,
                     return_url: str) -> Made:
        until = (utc_now() + timedelta(days=LINK_DAYS)).isoformat(timespec="milliseconds")
        pref = await self._account.create_preference({
            "items": [{"id": str(link_id), "title": title, "quantity": 1, "currency_id": "MXN",
                       "unit_price": mercadopago_api.pesos(amount)}],
            "external_reference": str(link_id),
            "notification_url": f"{hook_url}?source_news=webhooks",
            "back_urls": {"success": return_url, "failure": return_url, "pending": return_url},
            "payment_methods": {"excluded_payment_types": [{"id": "atm"}], "installments": 1},
            "date_of_expiration": until, "expires": True, "expiration_date_to": until,
            "statement_descriptor": "MICHANGARRITO",
        }, idempotency_key=f"link-{link_id}")
        return Made(str(pref["id"]), str(pref["init_point"]))

    def event_key(self, hook: Webhook) -> str | None:
        data_id = hook.query.get("data.id")
        if not self._secret or not mercadopago_api.verify(
                hook.headers.get("x-signature"), hook.headers.get("x-request-id"), data_id,
                self._secret):
            return None
        body = hook.json()
        kind = hook.query.get("type") or str(body.get("type", ""))
        return f"{kind}:{data_id}:{body.get('action', '')}:{body.get('id', '')}"

    async def read(self, event: dict[str, Any]) -> Reading:
        query, body = event.get("query") or {}, event.get("body") or {}
        data_id = query.get("data.id") or stripe_api.field(body, "data", "id")
        if (query.get("type") or body.get("type")) != "payment" or not data_id:
            return Reading(note="ignored: not a payment")
        p = await self._account.payment(str(data_id))
        ref, link = str(p.get("id")), _link_id(p.get("external_reference"))
        if link is None:
            return Reading(note="ignored: not one of our links")
        method = OXXO if p.get("payment_type_id") == "ticket" else CARD
        total = mercadopago_api.centavos(p.get("transaction_amount", 0))
        reading = Reading(note=f"payment {p.get('status')}")
        if p.get("status") in ("approved", "refunded", "charged_back", "in_mediation"):
            reading.paid.append(Paid(ref, link, total, method, _parse_time(p.get("date_approved"))))
        for refund in p.get("refunds") or []:
            reading.reversed.append(Reversed(ref, f"refund:{refund.get('id')}", "refund",
                                             mercadopago_api.centavos(refund.get("amount", 0))))
        if p.get("status") == "charged_back":
            refunded = sum(r.amount for r in reading.reversed)
            if total > refunded:
                reading.reversed.append(Reversed(ref, f"chargeback:{ref}", "chargeback",
                                                 total - refunded))
        return reading


class StripeShop:
    name, kind = "stripe", "stripe_shop"
    methods = [CARD, OXXO]

    def __init__(self, creds: Credentials, settings: Settings) -> None:
        key = creds.secret("secret_key")
        if not key:
            raise NotConnected("Falta la llave secreta de Stripe.")
        self._account = stripe_api.StripeAccount(stripe_api.make_client(key, settings.stripe_api_base))
        self._secret = creds.secret("webhook_secret") or ""
        self._tolerance = settings.stripe_webhook_tolerance_s

    async def create(self, link_id: uuid.UUID, amount: int, title: str, hook_url: str,
                     return_url: str) -> Made:
        try:
            session = await self._account.create_session({
                "mode": "payment", "payment_method_types": ["card", "oxxo"], "currency": "mxn",
                "line_items": [{"price_data": {"currency": "mxn", "unit_amount": amount,
                                               "product_data": {"name": title}}, "quantity": 1}],
                "payment_method_options": {"oxxo": {"expires_after_days": 3}},
                "metadata": {"link_id": str(link_id)}, "client_reference_id": str(link_id),
                "success_url": return_url, "cancel_url": return_url, "locale": "es-419",
            }, idempotency_key=f"link-{link_id}")
        except stripe.StripeError as exc:
            raise stripe_api.unavailable(exc) from None
        return Made(str(session.id), str(session.url))

    def event_key(self, hook: Webhook) -> str | None:
        if not self._secret:
            return None
        try:
            event = stripe_api.verify(hook.body, hook.headers.get("stripe-signature"),
                                      self._secret, self._tolerance)
        except stripe_api.InvalidSignature:
            return None
        return str(event["id"])

    async def read(self, event: dict[str, Any]) -> Reading:
        obj = stripe_api.field(event, "body", "data", "object") or {}
        if obj.get("object") in ("charge", "refund", "dispute") and obj.get("payment_intent"):
            # charge.refunded, charge.refund.updated, charge.dispute.created…: whatever the
            # event says, the payment's refunds and disputes are read back as they are now.
            ref = str(obj["payment_intent"])
            return Reading(reversed=await self._reversals(ref), note=f"{obj['object']} of {ref}")
        if obj.get("object") != "checkout.session":
            return Reading(note="ignored")
        session = await self._account.session(str(obj.get("id")))
        link = _link_id(stripe_api.field(session, "metadata", "link_id"))
        if link is None:
            return Reading(note="ignored: not one of our links")
        if session.payment_status != "paid":
            return Reading(note=f"session {session.status}/{session.payment_status}")
        used = await self._account.paid_with(str(session.payment_intent)) \
            if session.payment_intent else None
        method = OXXO if used == "oxxo" else CARD
        ref = str(session.payment_intent or session.id)
        # A refund whose event was handled before the payment's found no abono to reverse:
        # reading them here too makes the order of the events not matter.
        back = await self._reversals(ref) if session.payment_intent else []
        return Reading([Paid(ref, link, int(session.amount_total or 0), method, utc_now())],
                       back, note="session paid")

    async def _reversals(self, payment_intent_id: str) -> list[Reversed]:
        refunds, disputes = await self._account.reversals(payment_intent_id)
        found = [Reversed(payment_intent_id, f"refund:{r.id}", "refund", int(r.amount or 0))
                 for r in refunds if r.status == "succeeded"]
        # An inquiry (warning_*) takes no money; any other dispute has (Stripe withdraws the
        # amount when it opens). A dispute the shop later wins is not undone here.
        found += [Reversed(payment_intent_id, f"chargeback:{d.id}", "chargeback",
                           int(d.amount or 0))
                  for d in disputes if not str(d.status or "").startswith("warning_")]
        return found


class Clip:
    name = kind = "clip"
    methods = [CARD]

    def __init__(self, creds: Credentials, settings: Settings) -> None:
        key, secret = creds.secret("api_key"), creds.secret("secret_key")
        if not key or not secret:
            raise NotConnected("Faltan la API key y la clave secreta de Clip.")
        self._account = clip_api.ClipAccount(key, secret, settings.clip_api_base)

    async def create(self, link_id: uuid.UUID, amount: int, title: str, hook_url: str,
                     return_url: str) -> Made:
        made = await self._account.create_link(amount, title, str(link_id), hook_url, return_url)
        return Made(str(made["payment_request_id"]), str(made["payment_request_url"]))

    def event_key(self, hook: Webhook) -> str | None:
        """Unsigned: authentic enough to be looked up (the URL's token was checked)."""
        body = hook.json()
        request_id = body.get("payment_request_id")
        if not isinstance(request_id, str) or not request_id:
            return None
        return f"{body.get('resource')}:{request_id}:{body.get('resource_status')}:{body.get('id')}"

    async def read(self, event: dict[str, Any]) -> Reading:
        request_id = str(stripe_api.field(event, "body", "payment_request_id"))
        found = await self._account.payment_request(request_id)  # Clip's word, not the hint's
        link = _link_id(stripe_api.field(found, "metadata", "me_reference_id"))
        if link is None:
            return Reading(note="ignored: not one of our links")
        transaction = found.get("transaction_id")
        if found.get("status") != "COMPLETED" and not transaction:
            return Reading(note=f"payment request {found.get('status')}")
        ref = str(transaction or request_id)
        reading = Reading(note=f"payment request {found.get('status')}")
        if found.get("status") == "COMPLETED":
            reading.paid.append(Paid(ref, link, clip_api.centavos(found.get("amount", 0)), CARD,
                                     _parse_time(found.get("payment_date"))))
        if transaction:
            # A REFUND notification (CREATED, APPROVED, DECLINED) names no refund and no
            # amount: the transaction's ``amount_refunded`` is Clip's word for what went back.
            payment = await self._account.payment(str(transaction))
            refunded = clip_api.centavos(payment.get("amount_refunded") or 0)
            if refunded > 0:
                reading.reversed.append(Reversed(ref, f"refund:{ref}:{refunded}", "refund",
                                                 refunded, cumulative=True))
        return reading


PROVIDERS: dict[str, type[MercadoPago] | type[StripeShop] | type[Clip]] = {
    "mercadopago": MercadoPago, "stripe": StripeShop, "clip": Clip}
KIND_OF = {name: cls.kind for name, cls in PROVIDERS.items()}
PREFERENCE = ("mercadopago", "stripe", "clip")  # a shop with several: the first connected
