"""A shop's own Clip account: payment links through Clip's Checkout REST API (httpx).

Clip documents no signature for its checkout webhook, so a notification is only a hint: the
payment request it names is fetched with the shop's own credentials, and only what Clip says
there counts. Amounts are decimal pesos on the wire, integer centavos here.
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import httpx

from shared.errors import DomainError

API_BASE = "https://api.payclip.com"


class ClipError(DomainError):
    code = "payments_unavailable"


class ClipAccount:
    def __init__(self, api_key: str, secret_key: str, api_base: str = API_BASE,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        token = base64.b64encode(f"{api_key}:{secret_key}".encode()).decode()
        self._base = api_base.rstrip("/")
        self._headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
        self._transport = transport

    async def create_link(self, amount: int, description: str, reference: str,
                          webhook_url: str, return_url: str) -> dict[str, Any]:
        body = {"amount": float(Decimal(amount) / 100), "currency": "MXN",
                "purchase_description": description[:250],
                "redirection_url": {"success": return_url, "error": return_url,
                                    "default": return_url},
                "metadata": {"me_reference_id": reference}, "webhook_url": webhook_url}
        return await self._call("POST", "/v2/checkout", body)

    async def payment_request(self, payment_request_id: str) -> dict[str, Any]:
        return await self._call("GET", f"/v2/checkout/{payment_request_id}")

    async def payment(self, transaction_id: str) -> dict[str, Any]:
        """A transaction of the Payments API (``amount_refunded``: what was given back)."""
        return await self._call("GET", f"/payments/{transaction_id}")

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=15, transport=self._transport) as http:
                answer = await http.request(method, self._base + path, json=body,
                                            headers=self._headers)
        except httpx.HTTPError as exc:
            raise ClipError(f"Sin conexión con Clip ({type(exc).__name__}).") from None
        if not answer.is_success:
            raise ClipError(f"Clip respondió {answer.status_code}: {answer.text[:300]}")
        try:
            found: dict[str, Any] = answer.json()
        except ValueError:
            raise ClipError("Clip respondió algo que no es JSON.") from None
        return found


def centavos(amount: Any) -> int:
    value = Decimal(str(amount)) * 100
    if value != value.to_integral_value():
        raise ClipError(f"Monto con fracciones de centavo: {amount}")
    return int(value)
