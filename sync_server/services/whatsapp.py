"""Outbound WhatsApp: the background sender of every message the server sends (statements tills
ask for, the bot's replies, order updates), at most once each.

One asyncio task per server process handles due messages one at a time:

    1. claim (own transaction, committed): pending → sending, attempts + 1, claimed_at; in the
       same transaction decide how it may go: nobody is messaged who did not ask (no_consent),
       the platform's cap per person per day (capped), free text inside Meta's 24-hour window
       or else the approved template, the shop's own number and token or the platform's
    2. POST to Graph, with no transaction open
    3. record the outcome (own transaction): sent | pending (retry later) | failed

``SKIP LOCKED`` in the claim keeps replicas off each other's messages. Graph has no
idempotency key, so a message must never be sent again when it is unknown whether WhatsApp got
it: a claim left ``sending`` past its lease (the process died, or the outcome could not be
recorded) becomes ``failed``, never pending. Answers that leave it unknown (a read timeout, a
dropped connection, a 504, Graph's code 131000) are likewise final. A message is therefore
sent at most once; the price is that such a message may need the owner to send it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from shared.clock import utc_now
from sync_server.config import Settings
from sync_server.db import Connection, Pool, tenant_tx, unscoped_tx
from sync_server.integrations.graph import (
    Failed,
    GraphAccount,
    GraphClient,
    Pacer,
    Recipient,
    Sent,
    envelope,
    template_shape,
    text_shape,
)
from sync_server.integrations.pdf import text_pdf
from sync_server.jobs.schedule import in_quiet_hours, quiet_hours_end, zone
from sync_server.repositories import outbound, tenants, wa_contacts, wa_inbox
from sync_server.repositories.wa_contacts import Contact
from sync_server.services.integrations import Integrations
from sync_server.services.listener import Listener
from sync_server.services.server_changes import report_message_states

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 3600.0
AUTH_RETRY_S = 3600.0  # a rejected token: wait for the operator, don't burn the attempts
CLAIM_LEASE_S = 120.0  # far longer than a send can take (the client's timeout is 15 s)
PER_TENANT_PER_PASS = 20  # then the next shop gets its turn
WINDOW = timedelta(hours=24)  # Meta's customer-service window after a person's last message
NO_CONSENT = ("El cliente no ha escrito al WhatsApp de la tienda ni confirmó su número con un "
              "código: no se le envían mensajes hasta entonces (pendiente de confirmar).")
OPTED_OUT = "El cliente pidió no recibir mensajes (BAJA). Puede volver a darse de alta con ALTA."
CAPPED = "Esta persona ya recibió hoy el máximo de mensajes permitido; intenta mañana."

AccountOf = Callable[[uuid.UUID], Awaitable[GraphAccount | None]]
Consent = Literal["confirmado", "pendiente_de_confirmar", "baja"]
CONSENT_MESSAGES: dict[Consent, str] = {
    "confirmado": "WhatsApp confirmado: le llegan estados de cuenta y avisos de pedidos.",
    "pendiente_de_confirmar": ("WhatsApp pendiente de confirmar: no ha escrito al WhatsApp de "
                               "la tienda ni confirmó su número con un código. Pídele un código "
                               "y que lo envíe desde su celular."),
    "baja": OPTED_OUT,
}


def consent_of(contact: Contact | None) -> Consent:
    """Whether the shop may start a conversation with this person (statements, order updates,
    reminders): only once they wrote to the shop's number or sent a one-time code, and not
    after BAJA. Replies to what someone wrote need no consent."""
    if contact is None or not (contact.first_inbound_at or contact.verified_at):
        return "pendiente_de_confirmar"
    return "baja" if contact.opted_out_at is not None else "confirmado"



@dataclass(frozen=True)
class Templates:
    """Approved template names (Meta's, in ``language``) for messages outside the window."""

    language: str = "es_MX"
    statement: str = "estado_de_cuenta"
    order_update: str = "actualizacion_pedido"
    reminder: str = "recordatorio_fiado"
    owner_notice: str = "aviso_tienda"
    invoice: str = "factura_lista"

    def for_kind(self, kind: str) -> str:
        return {"statement": self.statement, "order_update": self.order_update,
                "reminder": self.reminder, "owner_notice": self.owner_notice,
                "invoice": self.invoice}[kind]


@dataclass(frozen=True)
class Plan:
    """How a claimed message goes out."""

    account: GraphAccount
    recipient: Recipient
    shape: dict[str, Any] | None  # None: a statement as a template with its PDF
    template: str | None
    contact_id: uuid.UUID | None
    name: str


def accounts_from(integrations: Integrations) -> AccountOf:
    async def account(tenant_id: uuid.UUID) -> GraphAccount | None:
        creds = await integrations.resolve(tenant_id, "whatsapp")
        token = creds.secret("token") if creds else None
        number = creds.settings.get("phone_number_id") if creds else None
        return GraphAccount(str(number), token) if token and number else None
    return account


class OutboundSender:
    """Sends due messages every ``poll_s`` seconds, and at once when a NOTIFY says there are new
    ones (a push, the bot)."""

    def __init__(self, pool: Pool, client: GraphClient, account_of: AccountOf, *,
                 poll_s: float = 5.0, retry_base_s: float = 30.0, max_attempts: int = 5,
                 templates: Templates | None = None, recipient_daily_cap: int = 10,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.pool, self.client, self.account_of = pool, client, account_of
        self.poll_s, self.retry_base_s, self.max_attempts = poll_s, retry_base_s, max_attempts
        self.templates = templates or Templates()
        self.recipient_daily_cap = recipient_daily_cap
        self.clock = clock  # for the quiet hours (tests inject one)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, pool: Pool, settings: Settings, integrations: Integrations,
                      listener: Listener | None = None) -> OutboundSender:
        client = GraphClient(settings.whatsapp_api_url, settings.whatsapp_api_version,
                             pacer=Pacer(settings.whatsapp_rate_per_s,
                                         settings.whatsapp_pair_interval_s,
                                         settings.whatsapp_pair_burst))
        sender = cls(pool, client, accounts_from(integrations), poll_s=settings.whatsapp_poll_s,
                     retry_base_s=settings.whatsapp_retry_base_s,
                     max_attempts=settings.whatsapp_max_attempts,
                     templates=Templates(settings.whatsapp_template_language,
                                         settings.whatsapp_template_statement,
                                         settings.whatsapp_template_order_update,
                                         settings.whatsapp_template_reminder,
                                         settings.whatsapp_template_owner_notice,
                                         settings.whatsapp_template_invoice),
                     recipient_daily_cap=settings.whatsapp_recipient_daily_cap)
        if listener is not None:
            listener.subscribe(outbound.CHANNEL, lambda _payload: sender.wake())
        return sender

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="whatsapp-sender")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, grace_s: float = 20.0) -> None:
        """Let the message being sent finish, then stop; cancel only after ``grace_s`` (longer
        than a send's timeout). A cancelled send leaves its claim, which expires into failed:
        never a second copy."""
        self._stopping.set()
        self._wake.set()
        if self._task:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace_s)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        await self.client.aclose()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("WhatsApp sender pass failed")
                handled = 0
            if handled:
                continue  # there may be more, in a shop that reached its share of this pass
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)

    async def run_once(self) -> int:
        """One pass over every shop with messages due; returns how many were handled."""
        async with unscoped_tx(self.pool) as conn:
            tenants = await outbound.due_tenants(conn, True, CLAIM_LEASE_S)
        handled = 0
        for tenant_id in tenants:
            account = await self.account_of(tenant_id)
            async with tenant_tx(self.pool, tenant_id) as conn:
                moved = await outbound.expire_claims(conn, tenant_id, CLAIM_LEASE_S)
                if account is None:
                    moved += await outbound.mark_not_configured(conn, tenant_id)
                await report_message_states(conn, tenant_id, moved)
                handled += len(moved)
            if account is None:
                continue
            for _ in range(PER_TENANT_PER_PASS):
                if self._stopping.is_set() or not await self._send_next(account, tenant_id):
                    break
                handled += 1
        return handled

    async def _send_next(self, account: GraphAccount, tenant_id: uuid.UUID) -> bool:
        """Claim one message and decide how it goes, send it with no transaction open, record
        what happened; False when none is due."""
        async with tenant_tx(self.pool, tenant_id) as conn:
            msg = await outbound.claim_one(conn, tenant_id, outbound.DUE_WHEN_CONFIGURED)
            if msg is None:
                return False
            plan = await self._plan(conn, tenant_id, account, msg)
        if plan is None:
            return True  # refused (no consent, capped) or paced for later: recorded already
        result = await self._deliver(plan, msg)
        async with tenant_tx(self.pool, tenant_id) as conn:
            await self._record(conn, tenant_id, msg, plan, result)
            await report_message_states(conn, tenant_id, [msg.request_id])
        return True

    async def _plan(self, conn: Connection, tenant_id: uuid.UUID, account: GraphAccount,
                    msg: outbound.Outbound) -> Plan | None:
        contact = await self._contact(conn, tenant_id, msg)
        recipient = Recipient(msg.to_phone or (contact.phone if contact else None),
                              msg.to_bsuid or (contact.bsuid if contact else None))
        initiated = msg.kind in outbound.BUSINESS_INITIATED
        if msg.kind == "reminder":
            # Queued before 21:00 but due now (a retry, a backlog): it waits for 09:00. Before the
            # daily cap is counted, so a held reminder does not use a slot twice.
            tz = zone(await tenants.get_timezone(conn, tenant_id))
            now = self.clock()
            if in_quiet_hours(now, tz):
                await outbound.defer(conn, tenant_id, msg.request_id,
                                     "en espera: no se escribe a clientes de 21:00 a 09:00",
                                     (quiet_hours_end(now, tz) - now).total_seconds())
                return None
        if initiated:
            refusal = None
            consent = consent_of(contact)
            if consent == "pendiente_de_confirmar":
                refusal = ("no_consent", NO_CONSENT)
            elif consent == "baja":
                refusal = ("no_consent", OPTED_OUT)
            elif not await wa_inbox.count_for_recipient(
                    conn, utc_now().date(), _hashed(recipient.key), self.recipient_daily_cap):
                refusal = ("capped", CAPPED)
            if refusal:
                await outbound.mark_final(conn, tenant_id, msg.request_id, *refusal)
                await report_message_states(conn, tenant_id, [msg.request_id])
                log.info("whatsapp message not sent", extra={
                    "tenant_id": str(tenant_id), "request_id": str(msg.request_id),
                    "status": refusal[0]})
                return None
        wait = self.client.pacer.recipient_wait(account.phone_number_id, recipient.key)
        if wait > 0:
            await outbound.defer(conn, tenant_id, msg.request_id,
                                 "en espera: varios mensajes seguidos a la misma persona", wait)
            return None
        assert contact is not None or not initiated
        in_window = bool(contact and contact.last_inbound_at
                         and utc_now() - contact.last_inbound_at < WINDOW)
        name = contact.display if contact else "cliente"
        contact_id = contact.contact_id if contact else None
        if not initiated or in_window:
            shape = msg.message or text_shape(msg.body)
            return Plan(account, recipient, shape, None, contact_id, name)
        template = self.templates.for_kind(msg.kind)
        if msg.kind == "statement":
            return Plan(account, recipient, None, template, contact_id, name)
        shape = template_shape(template, self.templates.language, [name, msg.body])
        return Plan(account, recipient, shape, template, contact_id, name)

    async def _contact(self, conn: Connection, tenant_id: uuid.UUID,
                       msg: outbound.Outbound) -> Contact | None:
        if msg.contact_id:
            return await wa_contacts.get(conn, tenant_id, msg.contact_id)
        if msg.customer_id:
            return await wa_contacts.for_customer(conn, tenant_id, msg.customer_id, msg.to_phone)
        return await wa_contacts.find(conn, tenant_id, msg.to_phone, msg.to_bsuid)

    async def _deliver(self, plan: Plan, msg: outbound.Outbound) -> Sent | Failed:
        if plan.shape is not None:
            return await self.client.send(plan.account, envelope(plan.recipient, plan.shape))
        # A statement outside the window: its template carries the statement as a PDF.
        try:
            document = text_pdf("Estado de cuenta", msg.body)
        except Exception:  # nothing was sent: say why rather than leave the claim
            log.exception("statement PDF failed")
            return Failed("No se pudo hacer el PDF del estado de cuenta.", retry=False)
        media = await self.client.upload(plan.account, "estado-de-cuenta.pdf", document,
                                         "application/pdf")
        if isinstance(media, Failed):
            return media
        assert plan.template is not None
        shape = template_shape(plan.template, self.templates.language, [plan.name],
                               header_document=(media, "estado-de-cuenta.pdf"))
        return await self.client.send(plan.account, envelope(plan.recipient, shape))

    async def _record(self, conn: Connection, tenant_id: uuid.UUID, msg: outbound.Outbound,
                      plan: Plan, result: Sent | Failed) -> None:
        where = {"tenant_id": str(tenant_id), "request_id": str(msg.request_id)}
        if isinstance(result, Sent):
            await outbound.mark_sent(conn, tenant_id, msg.request_id, result.provider_id,
                                     result.note, template=plan.template,
                                     phone_number_id=plan.account.phone_number_id,
                                     contact_id=plan.contact_id)
            log.info("whatsapp message sent", extra=where)
        elif result.auth:  # the token or number was refused: keep the message for when it's fixed
            await outbound.mark_retry(conn, tenant_id, msg.request_id, result.error, AUTH_RETRY_S)
            log.error("whatsapp credentials refused; messages wait", extra={**where,
                                                                            "error": result.error})
        elif result.wait_s is not None:  # Meta's throttling: nothing was sent, come back later
            await outbound.defer(conn, tenant_id, msg.request_id, result.error, result.wait_s)
            log.warning("whatsapp throttled", extra={**where, "retry_in_s": result.wait_s})
        elif result.retry and msg.attempts < self.max_attempts:
            delay = min(self.retry_base_s * 2 ** (msg.attempts - 1), MAX_BACKOFF_S)
            await outbound.mark_retry(conn, tenant_id, msg.request_id, result.error, delay)
            log.warning("whatsapp message will be retried", extra={**where, "error": result.error,
                                                                   "retry_in_s": delay})
        else:
            await outbound.mark_failed(conn, tenant_id, msg.request_id, result.error,
                                       result.code)
            log.warning("whatsapp message failed", extra={**where, "error": result.error})


def _hashed(recipient: str) -> bytes:
    return hashlib.sha256(recipient.encode()).digest()
