"""The HTTP client of sync protocol version 3, frozen: verbatim from commit 208ca17
(pos_client/sync/client.py, the last commit of `main` speaking version 3), only the imports
changed. DO NOT update it: it is the released till's side of the wire."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import ValidationError

from tests.support.protocol_v3.payloads import Wire
from tests.support.protocol_v3.protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    DeviceState,
    PairingCodeOut,
    PairRequest,
    PairResponse,
    PullPage,
    PushResponse,
)

_M = TypeVar("_M", bound=Wire)


class Offline(Exception):
    """The server could not be reached or did not answer; try again later."""


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

    def close(self) -> None:
        self._http.close()

    def pair(self, code: str, device_name: str) -> PairResponse:
        body = PairRequest(code=code, device_name=device_name).model_dump_json()
        return _parse(PairResponse, self._call("POST", "/v1/devices/pair", body))

    def push(self, bodies: list[str]) -> PushResponse:
        """Push change bodies exactly as the outbox stored them (no re-encoding)."""
        payload = '{"changes":[' + ",".join(bodies) + "]}"
        return _parse(PushResponse, self._call("POST", "/v1/sync/push", payload))

    def new_pairing_code(self) -> PairingCodeOut:
        return _parse(PairingCodeOut, self._call("POST", "/v1/sync/pairing-codes", ""))

    def me(self) -> DeviceState:
        return _parse(DeviceState, self._call("GET", "/v1/sync/me"))

    def pull(self, cursor: int, limit: int = 500, include_own: bool = False) -> PullPage:
        params: dict[str, int | str] = {"cursor": cursor, "limit": limit}
        if include_own:
            params["include_own"] = "true"
        raw = self._call("GET", "/v1/sync/pull", params=params)
        return _parse(PullPage, raw)

    def _call(self, method: str, path: str, body: str | None = None, **kw: Any) -> bytes:
        try:
            response = self._http.request(
                method, path, content=body,
                headers={"Content-Type": "application/json"} if body is not None else None, **kw,
            )
        except httpx.HTTPError as exc:  # refused, reset, timed out, cut mid-answer
            raise Offline(f"sin conexión con el servidor: {exc.__class__.__name__}") from exc
        if response.status_code >= 500:
            raise Offline(f"el servidor respondió {response.status_code}")
        if response.status_code >= 400:
            code, message = _error_of(response)
            raise SyncRefused(response.status_code, code, message)
        return response.content


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
