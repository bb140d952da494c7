"""The WhatsApp Cloud API (Graph) client: message bodies in Meta's shapes, one send that never
raises, media upload, and pacing to Meta's limits (per number and per recipient).

A thin client of our own rather than pywa: its idempotency lives in process memory and its base
URL is fixed; ours keeps every promise in PostgreSQL and points at any URL (the test fake).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.phone import to_whatsapp
from sync_server.integrations.graph_errors import NO_ANSWER, NO_CONNECTION, UPLOAD_FAILED

log = logging.getLogger(__name__)

# Errors where the request never reached WhatsApp whole: safe to send again.
_NOT_DELIVERED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError,
                  httpx.WriteTimeout, httpx.LocalProtocolError, httpx.UnsupportedProtocol)
# Graph's throttling answers (HTTP 400 with these codes, or 429): nothing was sent, come back.
THROUGHPUT_CODES = frozenset({4, 80007, 130429})
PAIR_RATE_CODE = 131056
MAYBE_SENT_CODE = 131000  # "something went wrong": WhatsApp may have it all the same
AUTH_CODES = frozenset({10, 190, 200})
MAX_BUTTONS = 3
MAX_LIST_ROWS = 10


@dataclass(frozen=True)
class GraphAccount:
    """The business number a message goes from, and the token that may use it. ``repr`` never
    shows the token."""

    phone_number_id: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class Recipient:
    """Who a message is for: a phone (E.164) or, for a username user who withholds it, the
    business-scoped user id (BSUID) Meta gave us; the phone wins when both are known."""

    phone: str | None = None
    bsuid: str | None = None

    def fields(self) -> dict[str, str]:
        if self.phone:
            return {"to": to_whatsapp(self.phone)}
        if self.bsuid:
            return {"recipient": self.bsuid}  # Meta: "recipient" instead of "to" for a BSUID
        raise ValueError("a recipient needs a phone or a BSUID")

    @property
    def key(self) -> str:
        return self.phone or self.bsuid or ""


@dataclass(frozen=True)
class Sent:
    provider_id: str | None  # the wamid; None if WhatsApp said 2xx without one
    note: str | None = None


@dataclass(frozen=True)
class Failed:
    error: str
    retry: bool  # True: nothing reached WhatsApp or it asked us to come back later
    auth: bool = False  # the credentials were refused: an operator must fix them
    code: int | None = None  # Graph's error code, when it gave one
    wait_s: float | None = None  # how long Meta asked us to hold off (throttling)


# ---- bodies ------------------------------------------------------------------------------------


def envelope(recipient: Recipient, shape: dict[str, Any]) -> dict[str, Any]:
    """A full Cloud API message body: ``shape`` is its ``type`` and that type's object."""
    return {"messaging_product": "whatsapp", "recipient_type": "individual",
            **recipient.fields(), **shape}


def text_shape(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"preview_url": False, "body": body[:4096]}}


def buttons_shape(body: str, buttons: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Reply buttons: at most 3, titles of at most 20 characters (Meta's limits)."""
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        raise ValueError("reply buttons: 1 to 3")
    return {"type": "interactive", "interactive": {
        "type": "button", "body": {"text": body[:1024]},
        "action": {"buttons": [{"type": "reply", "reply": {"id": bid[:256], "title": title[:20]}}
                               for bid, title in buttons]}}}


def list_shape(body: str, button: str, rows: Sequence[tuple[str, str, str]],
               header: str | None = None, footer: str | None = None) -> dict[str, Any]:
    """An interactive list of at most 10 rows (id, title ≤ 24, description ≤ 72)."""
    if not 1 <= len(rows) <= MAX_LIST_ROWS:
        raise ValueError("a list holds 1 to 10 rows")
    interactive: dict[str, Any] = {
        "type": "list", "body": {"text": body[:4096]},
        "action": {"button": button[:20], "sections": [{"title": (header or "Opciones")[:24], "rows": [
            {"id": rid[:200], "title": title[:24], "description": desc[:72]}
            for rid, title, desc in rows]}]}}
    if header:
        interactive["header"] = {"type": "text", "text": header[:60]}
    if footer:
        interactive["footer"] = {"text": footer[:60]}
    return {"type": "interactive", "interactive": interactive}


def template_shape(name: str, language: str, body_params: Sequence[str] = (),
                   header_document: tuple[str, str] | None = None) -> dict[str, Any]:
    """An approved template (the only message allowed outside the 24-hour window). Template
    parameters may not hold line breaks or tabs, so they are flattened."""
    components: list[dict[str, Any]] = []
    if header_document:
        media_id, filename = header_document
        components.append({"type": "header", "parameters": [
            {"type": "document", "document": {"id": media_id, "filename": filename}}]})
    if body_params:
        components.append({"type": "body", "parameters": [
            {"type": "text", "text": " ".join(p.split())[:1024]} for p in body_params]})
    return {"type": "template", "template": {"name": name, "language": {"code": language},
                                             "components": components}}


def document_shape(media_id: str, filename: str, caption: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"id": media_id, "filename": filename}
    if caption:
        document["caption"] = caption[:1024]
    return {"type": "document", "document": document}


# ---- pacing ------------------------------------------------------------------------------------


class Pacer:
    """Meta's limits, kept by this process: ``per_second`` messages per business number (80 by
    default), and per recipient a burst of ``pair_burst`` then one every ``pair_interval_s``
    (about 6 s). Replicas pace separately; Graph's own throttling answers (130429, 131056)
    back off the rest."""

    def __init__(self, per_second: float = 80.0, pair_interval_s: float = 6.0,
                 pair_burst: int = 3) -> None:
        self.per_second, self.pair_interval_s, self.pair_burst = per_second, pair_interval_s, pair_burst
        self._number_next: dict[str, float] = {}
        self._paused_until: dict[str, float] = {}
        self._pair: dict[tuple[str, str], tuple[float, float]] = {}  # → (tokens, at)

    def recipient_wait(self, number: str, recipient: str, now: float | None = None) -> float:
        """Seconds until ``recipient`` may get another message from ``number`` (0: now); a
        message that may go takes its token."""
        now = time.monotonic() if now is None else now
        tokens, at = self._pair.get((number, recipient), (float(self.pair_burst), now))
        tokens = min(float(self.pair_burst), tokens + (now - at) / self.pair_interval_s)
        if tokens < 1.0:
            return (1.0 - tokens) * self.pair_interval_s
        self._pair[(number, recipient)] = (tokens - 1.0, now)
        if len(self._pair) > 50_000:  # forget the quiet ones
            cutoff = now - self.pair_interval_s * self.pair_burst
            self._pair = {k: v for k, v in self._pair.items() if v[1] > cutoff}
        return 0.0

    async def number_slot(self, number: str) -> None:
        """Wait for this number's next slot (80 per second, and any pause Meta asked for)."""
        now = time.monotonic()
        start = max(now, self._number_next.get(number, now), self._paused_until.get(number, now))
        self._number_next[number] = start + 1.0 / self.per_second
        if start > now:
            await asyncio.sleep(start - now)  # pacing a real API, not a test waiting

    def pause(self, number: str, seconds: float) -> None:
        self._paused_until[number] = max(self._paused_until.get(number, 0.0),
                                         time.monotonic() + seconds)


# ---- the client --------------------------------------------------------------------------------


class GraphClient:
    def __init__(self, api_url: str = "https://graph.facebook.com", api_version: str = "v21.0",
                 *, timeout_s: float = 15.0, transport: httpx.AsyncBaseTransport | None = None,
                 pacer: Pacer | None = None) -> None:
        self.base = f"{api_url.rstrip('/')}/{api_version}"
        self.pacer = pacer or Pacer()
        self._http = httpx.AsyncClient(timeout=timeout_s, transport=transport)
        self._throttle_backoff: dict[str, float] = {}

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, account: GraphAccount, body: dict[str, Any]) -> Sent | Failed:
        """POST one message. Never raises: every outcome is a Sent or a Failed."""
        await self.pacer.number_slot(account.phone_number_id)
        try:
            answer = await self._http.post(f"{self.base}/{account.phone_number_id}/messages",
                                           json=body, headers=_auth(account))
        except _NOT_DELIVERED as exc:
            log.warning("send to WhatsApp not delivered: %s: %s", type(exc).__name__, exc)
            return Failed(NO_CONNECTION, retry=True)
        except Exception as exc:  # a read timeout, a dropped answer: it may have been sent
            log.warning("send to WhatsApp unanswered: %s: %s", type(exc).__name__, exc)
            return Failed(NO_ANSWER, retry=False)
        if answer.is_success:
            self._throttle_backoff.pop(account.phone_number_id, None)
            return _sent(answer)
        return self._failed(account, answer)

    async def upload(self, account: GraphAccount, filename: str, data: bytes,
                     mime: str) -> str | Failed:
        """Upload a document; its media id (valid about 30 days), or why not."""
        try:
            answer = await self._http.post(
                f"{self.base}/{account.phone_number_id}/media", headers=_auth(account),
                data={"messaging_product": "whatsapp", "type": mime},
                files={"file": (filename, data, mime)})
        except Exception as exc:  # an upload sends nothing to anyone: always safe to retry
            log.warning("upload to WhatsApp failed: %s: %s", type(exc).__name__, exc)
            return Failed(UPLOAD_FAILED, retry=True)
        if answer.is_success:
            try:
                media_id = answer.json()["id"]
            except (ValueError, LookupError, TypeError):
                media_id = None
            if isinstance(media_id, str) and media_id:
                return media_id
            return Failed(f"HTTP {answer.status_code} sin id de documento", retry=True)
        return self._failed(account, answer)

    def _failed(self, account: GraphAccount, answer: httpx.Response) -> Failed:
        code = _graph_code(answer)
        error = _graph_error(answer)
        if answer.status_code in (401, 403) or code in AUTH_CODES:
            return Failed(error, retry=True, auth=True, code=code)
        if answer.status_code == 504 or code == MAYBE_SENT_CODE:
            return Failed(error + "; pudo haberse enviado, no se reintenta", retry=False, code=code)
        if code in THROUGHPUT_CODES or answer.status_code == 429:
            # The whole number is over its rate: hold every send from it, doubling each time.
            number = account.phone_number_id
            wait = min(self._throttle_backoff.get(number, 0.5) * 2, 60.0)
            self._throttle_backoff[number] = wait
            self.pacer.pause(number, wait)
            return Failed(error, retry=True, code=code, wait_s=wait)
        if code == PAIR_RATE_CODE:  # this one person got too many: try them again later
            return Failed(error, retry=True, code=code, wait_s=self.pacer.pair_interval_s)
        return Failed(error, retry=answer.status_code >= 500, code=code)


def _auth(account: GraphAccount) -> dict[str, str]:
    return {"Authorization": f"Bearer {account.token}"}


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
