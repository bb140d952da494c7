"""A shop's own MercadoPago account through the official SDK (``mercadopago`` 3.x).

The SDK is synchronous (requests): every call runs in a worker thread. Its base URL is a
private constant, so :class:`BaseUrlClient` rewrites it (a stand-in in tests and the demo).
Amounts travel as decimal pesos: converted from and to integer centavos here, exactly.
Notifications are verified with the SDK's own ``x-signature`` validator.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal, InvalidOperation
from typing import Any

import mercadopago
from mercadopago.config import RequestOptions
from mercadopago.http.http_client import HttpClient
from mercadopago.webhook.validator import InvalidWebhookSignatureError, WebhookSignatureValidator

from shared.errors import DomainError

API_BASE = "https://api.mercadopago.com"
TOLERANCE_S = 600


class MercadoPagoError(DomainError):
    code = "payments_unavailable"


class BaseUrlClient(HttpClient):  # type: ignore[misc]  # the SDK ships no types
    """The SDK's transport, sending to ``base`` instead of api.mercadopago.com."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def request(self, method: str, url: str, maxretries: Any = None, retry_on: Any = None,
                backoff_factor: Any = None, **kw: Any) -> Any:
        return super().request(method, url.replace(API_BASE, self.base, 1), maxretries, retry_on,
                               backoff_factor, **kw)


def pesos(centavos: int) -> float:
    """MercadoPago's decimal pesos (two places) for an amount in centavos."""
    return float(Decimal(centavos) / 100)


def centavos(amount: Any) -> int:
    """Integer centavos of a decimal-pesos amount; refuses one with fractions of a centavo."""
    try:
        value = Decimal(str(amount)) * 100
    except InvalidOperation:
        raise MercadoPagoError("Monto ilegible de Mercado Pago.") from None
    if value != value.to_integral_value():
        raise MercadoPagoError(f"Monto con fracciones de centavo: {amount}")
    return int(value)


class MercadoPagoAccount:
    def __init__(self, access_token: str, api_base: str = API_BASE) -> None:
        client = BaseUrlClient(api_base) if api_base.rstrip("/") != API_BASE else None
        self._sdk = mercadopago.SDK(access_token, http_client=client)

    async def create_preference(self, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        options = RequestOptions(custom_headers={"x-idempotency-key": idempotency_key},
                                 connection_timeout=15.0, max_retries=2)
        return await self._call(lambda: self._sdk.preference().create(body, options))

    async def payment(self, payment_id: str) -> dict[str, Any]:
        options = RequestOptions(connection_timeout=15.0, max_retries=2)
        return await self._call(lambda: self._sdk.payment().get(payment_id, options))

    async def _call(self, call: Any) -> dict[str, Any]:
        try:
            answer = await asyncio.to_thread(call)
        except Exception as exc:  # the SDK raises requests' errors on no connection
            raise MercadoPagoError(f"Sin conexión con Mercado Pago ({type(exc).__name__}).") from None
        status = answer.get("status", 0)
        if not 200 <= status < 300:
            raise MercadoPagoError(f"Mercado Pago respondió {status}: "
                                   f"{str(answer.get('response'))[:300]}")
        body: dict[str, Any] = answer.get("response") or {}
        return body


def verify(signature: str | None, request_id: str | None, data_id: str | None,
           secret: str) -> bool:
    """MercadoPago's ``x-signature`` (``ts=…,v1=…``, HMAC-SHA256 of
    ``id:<data.id>;request-id:<x-request-id>;ts:<ts>;``), within ten minutes."""
    try:
        WebhookSignatureValidator.validate(signature, request_id, data_id, secret,
                                           tolerance_seconds=TOLERANCE_S)
    except InvalidWebhookSignatureError:
        return False
    return True
