"""Outbound WhatsApp: a Cloud API (Graph) client and the background sender that uses it.

Tills record ``message_request`` facts; the push applier stores each in ``outbound_messages``
(once) and NOTIFYs. The sender below, one asyncio task per server process, handles due
messages one at a time:

    1. claim (own transaction, committed): pending → sending, attempts + 1, claimed_at
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
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from sync_server.config import Settings
from sync_server.db import Connection, Pool, listen, tenant_tx, unscoped_tx
from sync_server.repositories import outbound

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 3600.0
AUTH_RETRY_S = 3600.0  # a rejected token: wait for the operator, don't burn the attempts
CLAIM_LEASE_S = 120.0  # far longer than a send can take (the client's timeout is 15 s)
PER_TENANT_PER_PASS = 20  # then the next shop gets its turn
# Errors where the request never reached WhatsApp whole: safe to send again.
_NOT_DELIVERED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError,
                  httpx.WriteTimeout, httpx.LocalProtocolError, httpx.UnsupportedProtocol)


# ---- the Graph API client ---------------------------------------------------------------------


@dataclass(frozen=True)
class WhatsAppConfig:
    token: str
    phone_number_id: str
    api_url: str = "https://graph.facebook.com"
    api_version: str = "v21.0"

    @classmethod
    def from_settings(cls, settings: Settings) -> WhatsAppConfig | None:
        """None unless both the token and the phone number id are set."""
        token = settings.whatsapp_token.get_secret_value() if settings.whatsapp_token else ""
        if not token or not settings.whatsapp_phone_number_id:
            return None
        return cls(token, settings.whatsapp_phone_number_id, settings.whatsapp_api_url.rstrip("/"),
                   settings.whatsapp_api_version)

    @property
    def messages_url(self) -> str:
        return f"{self.api_url}/{self.api_version}/{self.phone_number_id}/messages"


@dataclass(frozen=True)
class Sent:
    provider_id: str | None  # the wamid; None if WhatsApp said 2xx without one
    note: str | None = None


@dataclass(frozen=True)
class Failed:
    error: str
    retry: bool  # True: nothing reached WhatsApp or it asked us to come back later
    auth: bool = False  # the server's credentials were refused: an operator must fix them


def text_message(to: str, body: str) -> dict[str, Any]:
    """The Cloud API body of a plain text message (``to``: digits with country code, no +)."""
    return {"messaging_product": "whatsapp", "recipient_type": "individual",
            "to": to.removeprefix("+"), "type": "text",
            "text": {"preview_url": False, "body": body}}


class WhatsAppClient:
    def __init__(self, config: WhatsAppConfig, timeout_s: float = 15.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self._http = httpx.AsyncClient(
            timeout=timeout_s, transport=transport,
            headers={"Authorization": f"Bearer {config.token}"})

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send_text(self, to: str, body: str) -> Sent | Failed:
        """Send one text message. Never raises: every outcome is a Sent or a Failed."""
        try:
            answer = await self._http.post(self.config.messages_url, json=text_message(to, body))
        except _NOT_DELIVERED as exc:
            return Failed(f"sin conexión con WhatsApp: {type(exc).__name__}", retry=True)
        except Exception as exc:  # a read timeout, a dropped answer: it may have been sent
            return Failed(f"WhatsApp no respondió ({type(exc).__name__}); pudo haberse enviado, "
                          "no se reintenta para no duplicarlo", retry=False)
        if answer.is_success:
            return _sent(answer)
        code = _graph_code(answer)
        if answer.status_code in (401, 403) or code in (10, 190, 200):
            return Failed(_graph_error(answer), retry=True, auth=True)
        if answer.status_code == 504 or code == 131000:  # Graph may have sent it all the same
            return Failed(_graph_error(answer) + "; pudo haberse enviado, no se reintenta",
                          retry=False)
        retry = answer.status_code == 429 or answer.status_code >= 500
        return Failed(_graph_error(answer), retry=retry)


def _sent(answer: httpx.Response) -> Sent:
    try:
        provider_id = answer.json()["messages"][0]["id"]
        if isinstance(provider_id, str) and provider_id:
            return Sent(provider_id)
    except (ValueError, LookupError, TypeError):
        pass
    # Accepted all the same: sending it again would be the duplicate we promise not to make.
    return Sent(None, note=f"HTTP {answer.status_code} sin id de mensaje: {answer.text[:200]}")


def _graph_code(answer: httpx.Response) -> int | None:
    try:
        code = answer.json()["error"]["code"]
    except (ValueError, LookupError, TypeError):
        return None
    return code if isinstance(code, int) else None


def _graph_error(answer: httpx.Response) -> str:
    """``HTTP 400 code 131030/2494010: <message> (fbtrace …)`` from Graph's error body."""
    try:
        err = answer.json()["error"]
        code = f"code {err.get('code')}"
        if err.get("error_subcode") is not None:
            code += f"/{err['error_subcode']}"
        trace = f" (fbtrace {err['fbtrace_id']})" if err.get("fbtrace_id") else ""
        return f"HTTP {answer.status_code} {code}: {err.get('message', '')}{trace}"[:1000]
    except (ValueError, LookupError, TypeError, AttributeError):
        return f"HTTP {answer.status_code}: {answer.text[:300]}"


# ---- the sender -------------------------------------------------------------------------------


class OutboundSender:
    """Sends due messages every ``poll_s`` seconds, and at once when a push NOTIFYs new ones."""

    def __init__(self, pool: Pool, client: WhatsAppClient | None, *, poll_s: float = 5.0,
                 retry_base_s: float = 30.0, max_attempts: int = 5,
                 listen_dsn: str | None = None) -> None:
        self.pool, self.client = pool, client
        self.poll_s, self.retry_base_s, self.max_attempts = poll_s, retry_base_s, max_attempts
        self._listen_dsn = listen_dsn
        self._listener: asyncpg.Connection[asyncpg.Record] | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, pool: Pool, settings: Settings, dsn: str | None) -> OutboundSender:
        config = WhatsAppConfig.from_settings(settings)
        if config is None:
            log.warning("WhatsApp is not configured: message requests wait as not_configured")
        return cls(pool, WhatsAppClient(config) if config else None,
                   poll_s=settings.whatsapp_poll_s, retry_base_s=settings.whatsapp_retry_base_s,
                   max_attempts=settings.whatsapp_max_attempts, listen_dsn=dsn)

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
        await self._close_listener()
        if self.client:
            await self.client.aclose()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                await self._listen()
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
            tenants = await outbound.due_tenants(conn, self.client is not None, CLAIM_LEASE_S)
        handled = 0
        for tenant_id in tenants:
            async with tenant_tx(self.pool, tenant_id) as conn:
                handled += await outbound.expire_claims(conn, tenant_id, CLAIM_LEASE_S)
                if self.client is None:
                    handled += await outbound.mark_not_configured(conn, tenant_id)
            if self.client is None:
                continue
            for _ in range(PER_TENANT_PER_PASS):
                if self._stopping.is_set() or not await self._send_next(self.client, tenant_id):
                    break
                handled += 1
        return handled

    async def _send_next(self, client: WhatsAppClient, tenant_id: uuid.UUID) -> bool:
        """Claim one message, send it with no transaction open, record what happened; False
        when none is due."""
        async with tenant_tx(self.pool, tenant_id) as conn:
            msg = await outbound.claim_one(conn, tenant_id, outbound.DUE_WHEN_CONFIGURED)
        if msg is None:
            return False
        result = await client.send_text(msg.to_phone, msg.body)
        async with tenant_tx(self.pool, tenant_id) as conn:
            await self._record(conn, tenant_id, msg, result)
        return True

    async def _record(self, conn: Connection, tenant_id: uuid.UUID, msg: outbound.Outbound,
                      result: Sent | Failed) -> None:
        where = {"tenant_id": str(tenant_id), "request_id": str(msg.request_id)}
        if isinstance(result, Sent):
            await outbound.mark_sent(conn, tenant_id, msg.request_id, result.provider_id, result.note)
            log.info("whatsapp message sent", extra=where)
        elif result.auth:  # the token or number was refused: keep the message for when it's fixed
            await outbound.mark_retry(conn, tenant_id, msg.request_id, result.error, AUTH_RETRY_S)
            log.error("whatsapp credentials refused; messages wait", extra={**where,
                                                                            "error": result.error})
        elif result.retry and msg.attempts < self.max_attempts:
            delay = min(self.retry_base_s * 2 ** (msg.attempts - 1), MAX_BACKOFF_S)
            await outbound.mark_retry(conn, tenant_id, msg.request_id, result.error, delay)
            log.warning("whatsapp message will be retried", extra={**where, "error": result.error,
                                                                   "retry_in_s": delay})
        else:
            await outbound.mark_failed(conn, tenant_id, msg.request_id, result.error)
            log.warning("whatsapp message failed", extra={**where, "error": result.error})

    async def _listen(self) -> None:
        """(Re)open the LISTEN connection; without it the sender still polls every poll_s."""
        if self._listen_dsn is None or (self._listener and not self._listener.is_closed()):
            return
        try:
            self._listener = await listen(self._listen_dsn, outbound.CHANNEL,
                                          lambda *_: self._wake.set())
        except Exception as exc:  # the database is down or refuses: poll, and try again later
            log.warning("cannot LISTEN for message requests; polling only", extra={"error": str(exc)})

    async def _close_listener(self) -> None:
        if self._listener and not self._listener.is_closed():
            await self._listener.close()
        self._listener = None
