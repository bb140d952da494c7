"""Shops' payment notifications: received (verified by the provider's scheme, stored by the key
its retries repeat), then handled once each by the billing worker.

Handling reads the payment back from the provider and writes, in one tenant transaction:

- a paid payment → one ``pay_payments`` row and one server-made ``fiado_payment`` (the abono,
  with the provider's reference) through the change feed, so every till receives it; and a
  WhatsApp receipt queued for the customer (the outbound sender delivers it, at most once);
- a refund or chargeback → one ``pay_reversals`` row and one server-made ``fiado_charge`` for
  what was given back: the abono itself is never edited.

Ids are derived from the provider's references (uuid5), so any second reading — a duplicate
notification, another replica, a retry after a crash — writes nothing new.
"""

from __future__ import annotations

import logging
import uuid

from shared.clock import utc_now
from shared.errors import DomainError
from shared.money import format_mxn
from shared.sale import PaymentMethod
from shared.sync.envelopes import Change, make_change
from shared.sync.payloads import FiadoChargePayload, FiadoPaymentPayload, Wire
from sync_server import db
from sync_server.billing.context import Billing
from sync_server.billing.pay_providers import OXXO, PROVIDERS, Paid, Provider, Reversed, Webhook
from sync_server.billing.paylinks import provider_for, token_ok
from sync_server.billing.retry import backoff
from sync_server.repositories import Connection, outbound, pay_links, tenants
from sync_server.services.server_changes import apply_server_changes
from sync_server.sync.clock import server_clock

log = logging.getLogger(__name__)

CLAIM_LEASE_S = 300.0
# A refund read before its payment became an abono may be racing another replica that is
# recording that abono this very second (its transaction not yet committed): it is tried again
# with the usual backoff (30 s, 1, 2, 4 min) before it is set aside. A payment's own event reads
# its refunds back too, so one whose event comes later still is not lost.
REVERSAL_ATTEMPTS = 5
_NAMESPACE = uuid.UUID("6d636850-6179-4c69-6e6b-000000000001")  # ids derived from providers' refs
PROVIDER_LABEL = {"mercadopago": "Mercado Pago", "stripe": "Stripe", "clip": "Clip"}


class InvalidNotification(DomainError):
    code = "invalid_signature"


class UnknownWebhook(DomainError):
    code = "not_found"


class AbonoNotYetRecorded(DomainError):
    code = "abono_not_recorded"


def derived_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, ":".join(parts))


async def receive(billing: Billing, provider_name: str, tenant_id: uuid.UUID, token: str,
                  hook: Webhook) -> bool:
    """Verify and store one notification; True if it was new. Nothing is stored unless the
    URL's token is this shop's and the provider's own signature (where it has one) holds."""
    if provider_name not in PROVIDERS or not token_ok(billing, provider_name, tenant_id, token):
        raise UnknownWebhook("No existe esa dirección de notificaciones.")
    try:
        provider = await provider_for(billing, tenant_id, provider_name)
    except DomainError:
        raise UnknownWebhook("La tienda no tiene conectado ese medio de pago.") from None
    key = provider.event_key(hook)
    if key is None:
        raise InvalidNotification("La firma de la notificación no es válida.")
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        return await pay_links.insert_event(conn, tenant_id, provider_name, key,
                                            {"query": hook.query, "body": hook.json()})


async def pay_pass(billing: Billing, retry_base_s: float, limit: int = 200) -> int:
    """Handle due notifications of every shop, one at a time; how many."""
    async with db.unscoped_tx(billing.pool) as conn:
        tenant_ids = await pay_links.due_tenants(conn, CLAIM_LEASE_S)
    done = 0
    for tenant_id in tenant_ids:
        while done < limit:
            async with db.tenant_tx(billing.pool, tenant_id) as conn:
                claimed = await pay_links.claim_event(conn, tenant_id, CLAIM_LEASE_S)
            if claimed is None:
                break
            try:
                provider = await provider_for(billing, tenant_id, claimed.provider)
                outcome = await handle(billing, tenant_id, provider, claimed.body,
                                       attempt=claimed.attempts)
            except Exception as exc:  # the provider is down, credentials changed…: later
                delay = backoff(claimed.attempts, retry_base_s)
                error = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
                log.warning("payment notification will be retried", extra={
                    "tenant_id": str(tenant_id), "provider": claimed.provider,
                    "error": error[:300], "retry_in_s": delay})
                async with db.tenant_tx(billing.pool, tenant_id) as conn:
                    await pay_links.retry_event(conn, tenant_id, claimed.provider,
                                                claimed.event_key, error, delay)
            else:
                async with db.tenant_tx(billing.pool, tenant_id) as conn:
                    await pay_links.mark_event(conn, tenant_id, claimed.provider,
                                               claimed.event_key, outcome)
            done += 1
    return done


async def handle(billing: Billing, tenant_id: uuid.UUID, provider: Provider,
                 event: dict[str, object], *, attempt: int) -> str:
    """Record what the provider says about ``event``; raises AbonoNotYetRecorded (handled
    again later, everything rolled back) while a reversal's abono may still be on its way."""
    reading = await provider.read(event)  # no transaction open while the provider answers
    notes = [reading.note]
    own = {paid.payment_ref for paid in reading.paid}
    async with db.tenant_tx(billing.pool, tenant_id) as conn:
        for paid in reading.paid:
            notes.append(await _abono(conn, tenant_id, provider.name, paid))
        for back in reading.reversed:
            # Waiting helps only when this reading is not the payment's own (which, if it
            # recorded no abono, never will).
            wait = attempt < REVERSAL_ATTEMPTS and back.payment_ref not in own
            notes.append(await _reversal(conn, tenant_id, provider.name, back, wait=wait))
    return "; ".join(n for n in notes if n)


def _server_made(entity: str, payload: Wire, *ref: str) -> Change:
    """A change the server makes, its id derived from the provider's reference (a second
    reading makes the same change, which the feed already has)."""
    return make_change(entity, payload, change_id=derived_id("change", *ref), device_seq=0,
                       hlc=server_clock.now(), created_at=utc_now())


async def _abono(conn: Connection, tenant_id: uuid.UUID, provider: str, paid: Paid) -> str:
    link = await pay_links.get_link(conn, tenant_id, paid.link_id)
    if link is None or link.provider != provider:
        return f"ignored: unknown link {paid.link_id}"
    abono_id = derived_id("abono", provider, paid.payment_ref)
    if not await pay_links.insert_payment(conn, tenant_id, provider, paid.payment_ref,
                                          link.link_id, abono_id, paid.amount, paid.method,
                                          paid.paid_at):
        return "abono already recorded"
    label = PROVIDER_LABEL[provider]
    how = "OXXO" if paid.method == OXXO else "tarjeta"
    change = _server_made("fiado_payment", FiadoPaymentPayload(
        id=abono_id, customer_id=link.customer_id, amount=paid.amount,
        # A card pays by card; an OXXO voucher's cash reaches the shop's account as a transfer.
        method=PaymentMethod.CARD if paid.method != OXXO else PaymentMethod.TRANSFER,
        note=f"Pago en línea ({label}, {how})", paid_at=paid.paid_at,
        reference=f"{label} {paid.payment_ref}"[:500]), "abono", provider, paid.payment_ref)
    await apply_server_changes(conn, tenant_id, [change])  # a refusal rolls back
    await _receipt(conn, tenant_id, link.customer_id, abono_id, paid.amount,
                   f"{label} {paid.payment_ref}")
    log.info("online payment became an abono", extra={"tenant_id": str(tenant_id),
                                                      "provider": provider})
    return f"abono {format_mxn(paid.amount)}"


async def _receipt(conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID,
                   abono_id: uuid.UUID, amount: int, reference: str) -> None:
    """A WhatsApp receipt to the customer, queued in the same transaction as the abono."""
    contact = await pay_links.customer_contact(conn, tenant_id, customer_id)
    if contact is None or not contact.phone:
        return
    shop = await tenants.get_name(conn, tenant_id) or "la tienda"
    body = (f"Hola {contact.name}: {shop} recibió tu pago de {format_mxn(amount)} "
            f"(referencia {reference}). Tu saldo ahora es {format_mxn(max(contact.balance, 0))}. "
            "¡Gracias!")
    await outbound.insert_server_message(conn, tenant_id, derived_id("receipt", str(abono_id)),
                                         customer_id, contact.phone, "payment_receipt", body)


async def _reversal(conn: Connection, tenant_id: uuid.UUID, provider: str, back: Reversed, *,
                    wait: bool) -> str:
    # Locked: Clip reports refunds as a running total, so two notices handled at once by two
    # replicas would each record "the total minus nothing" — the second must see the first.
    paid = await pay_links.payment(conn, tenant_id, provider, back.payment_ref, lock=True)
    if paid is None and wait:
        raise AbonoNotYetRecorded(f"El pago {back.payment_ref} aún no es un abono registrado: "
                                  "se vuelve a intentar.")
    if paid is None:
        return (f"ignored: {back.kind} of a payment that never became an abono "
                f"(given up after {REVERSAL_ATTEMPTS} attempts)")
    link = await pay_links.get_link(conn, tenant_id, paid.link_id)
    assert link is not None  # pay_payments references it
    already = await pay_links.reversed_amount(conn, tenant_id, provider, paid.payment_ref)
    left = paid.amount - already
    amount = min(back.amount - already if back.cumulative else back.amount, left)
    charge_id = derived_id("reversal", provider, back.reversal_ref)
    if amount <= 0 or not await pay_links.insert_reversal(
            conn, tenant_id, provider, back.reversal_ref, back.payment_ref, back.kind, amount,
            charge_id):
        return f"{back.kind} already recorded"
    what = "Reembolso" if back.kind == "refund" else "Contracargo"
    change = _server_made("fiado_charge", FiadoChargePayload(
        id=charge_id, customer_id=link.customer_id, amount=amount, charged_at=utc_now(),
        note=f"{what} del pago en línea {PROVIDER_LABEL[provider]} {back.payment_ref}"[:500]),
        "reversal", provider, back.reversal_ref)
    await apply_server_changes(conn, tenant_id, [change])  # a refusal rolls back
    return f"{back.kind} {format_mxn(amount)}"
