"""HTTP client for the sync protocol (httpx). Turns every failure into Offline or SyncRefused."""

from __future__ import annotations

import json
import uuid
from typing import Any, TypeVar

import httpx
from pydantic import ValidationError

from shared.sync.payloads import Wire
from shared.sync.protocol import (
    FEED_EPOCH_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SUPPORTED_HEADER,
    DeviceState,
    PairingCodeOut,
    PairRequest,
    PairResponse,
    PullPage,
    PushResponse,
    WhatsAppCodeOut,
    WhatsAppConsentOut,
)

_M = TypeVar("_M", bound=Wire)


class Offline(Exception):
    """The server could not be reached or did not answer; try again later."""


class ServerFailed(Offline):
    """The server answered 5xx: also an Offline (try again later), carrying its answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"el servidor respondió {status}")
        self.status, self.code, self.message = status, code, message


class SyncRefused(Exception):
    """The server answered with a refusal: ``code`` for machines, ``message`` in Spanish."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class SyncClient:
    def __init__(self, base_url: str, credential: str | None = None, timeout: float = 15.0) -> None:
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
        if credential:
            headers["Authorization"] = f"Bearer {credential}"
        self._http = httpx.Client(base_url=base_url, headers=headers, timeout=timeout)
        # The feed epoch this store last synced with, sent on every call: a server restored
        # from a backup refuses it (409 feed_epoch_changed) before touching anything. And the
        # server's epoch from its latest answer, refusals too (docs/sync-protocol.md).
        self.known_epoch: str | None = None
        self.feed_epoch: str | None = None

    def close(self) -> None:
        self._http.close()

    def pair(self, code: str, device_name: str, continues_after: int = 0) -> PairResponse:
        body = PairRequest(code=code, device_name=device_name,
                           continues_after=continues_after).model_dump_json()
        return _parse(PairResponse, self._call("POST", "/v1/devices/pair", body))

    def push(self, bodies: list[str]) -> PushResponse:
        """Push change bodies exactly as the outbox stored them (no re-encoding)."""
        payload = '{"changes":[' + ",".join(bodies) + "]}"
        return _parse(PushResponse, self._call("POST", "/v1/sync/push", payload))

    def new_pairing_code(self) -> PairingCodeOut:
        return _parse(PairingCodeOut, self._call("POST", "/v1/sync/pairing-codes", ""))

    def whatsapp_consent(self, customer_id: uuid.UUID) -> WhatsAppConsentOut:
        return _parse(WhatsAppConsentOut,
                      self._call("GET", f"/v1/whatsapp/customers/{customer_id}/consent"))

    def whatsapp_code(self, customer_id: uuid.UUID) -> WhatsAppCodeOut:
        body = json.dumps({"customer_id": str(customer_id)})
        return _parse(WhatsAppCodeOut, self._call("POST", "/v1/whatsapp/customer-codes", body))

    def me(self) -> DeviceState:
        return _parse(DeviceState, self._call("GET", "/v1/sync/me"))

    def pull(self, cursor: int, limit: int = 500, include_own: bool = False) -> PullPage:
        params: dict[str, int | str] = {"cursor": cursor, "limit": limit}
        if include_own:
            params["include_own"] = "true"
        raw = self._call("GET", "/v1/sync/pull", params=params)
        return _parse(PullPage, raw)

    def _call(self, method: str, path: str, body: str | None = None, **kw: Any) -> bytes:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if self.known_epoch:
            headers[FEED_EPOCH_HEADER] = self.known_epoch
        try:
            response = self._http.request(method, path, content=body, headers=headers, **kw)
        except httpx.HTTPError as exc:  # refused, reset, timed out, cut mid-answer
            raise Offline(f"sin conexión con el servidor: {exc.__class__.__name__}") from exc
        self.feed_epoch = response.headers.get(FEED_EPOCH_HEADER) or self.feed_epoch
        if response.status_code >= 500:
            raise ServerFailed(response.status_code, *_error_of(response))
        if response.status_code == 426 and _server_is_older(response):
            raise SyncRefused(426, "protocol_too_new", SERVER_TOO_OLD)
        if response.status_code >= 400:
            code, message = _error_of(response)
            raise SyncRefused(response.status_code, code, message)
        return response.content


SERVER_TOO_OLD = ("El servidor todavía no acepta esta versión de MiChangarrito. Las ventas se "
                  "siguen guardando en esta caja y se enviarán cuando se actualice el servidor.")


def _server_is_older(response: httpx.Response) -> bool:
    """A 426 from a server older than this till: it names versions below ours, or none at all
    (servers before the compatibility window did not say which they accept)."""
    said = response.headers.get(SUPPORTED_HEADER)
    if said is None:
        return True
    versions = [int(v) for v in said.split(",") if v.strip().isdigit()]
    return bool(versions) and max(versions) < PROTOCOL_VERSION


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
        return str(body["code"]), str(body["message"])
    except (ValueError, KeyError, TypeError):
        return "http_error", f"El servidor respondió {response.status_code}."



def _parse(model: type[_M], raw: bytes) -> _M:
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:  # a garbled or truncated answer: as good as no answer
        raise Offline("respuesta del servidor ilegible") from exc
