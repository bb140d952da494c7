"""A stand-in for MercadoPago's API on loopback, driven by the official ``mercadopago`` SDK.

Checkout Pro preferences in, payments out, in MercadoPago's shapes (decimal pesos, ``status``
and ``status_detail``, ``refunds``). A customer paying (card, or an OXXO ticket paid later), a
refund and a chargeback are methods here; :meth:`FakeMercadoPago.notify` sends the thin
webhook MercadoPago sends (``?data.id=…&type=payment``, ``x-signature`` over the query's
``data.id``, ``x-request-id`` and ``ts``), as often as a test wants.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.support.fakes.loopback import Loopback

ACCESS_TOKEN = "TEST-1234567890-fake-access-token"
WEBHOOK_SECRET = "mp-webhook-secret-fake"


def sign(data_id: str, request_id: str, secret: str, ts: int | None = None) -> str:
    ts = ts or int(time.time())
    manifest = f"id:{data_id};request-id:{request_id};ts:{ts};"
    return f"ts={ts},v1=" + hmac.new(secret.encode(), manifest.encode(), hashlib.sha256).hexdigest()


class FakeMercadoPago:
    def __init__(self, access_token: str = ACCESS_TOKEN, secret: str = WEBHOOK_SECRET) -> None:
        self.access_token, self.secret = access_token, secret
        self.preferences: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []
        self.idempotency_keys: list[str | None] = []
        self._ids = itertools.count(1_000_001)
        self._lock = threading.RLock()
        self._loopback = Loopback(Starlette(routes=[
            Route("/checkout/preferences", self._create_preference, methods=["POST"]),
            Route("/v1/payments/{id}", self._get_payment, methods=["GET"]),
            Route("/pay/{id}", self._pay_page, methods=["GET"]),
            Route("/pay/{id}/{method}", self._pay_action, methods=["POST"]),
        ]))
        self.url = self._loopback.url

    def start(self) -> FakeMercadoPago:
        self._loopback.start()
        return self

    def stop(self) -> None:
        self._loopback.stop()

    # ---- what customers, banks and MercadoPago do -------------------------------------------

    def pay(self, preference_id: str, method: str = "card", status: str = "approved") -> str:
        """The customer pays the preference: by card (approved now) or an OXXO ticket
        (``status="pending"`` until :meth:`approve`)."""
        with self._lock:
            pref = self.preferences[preference_id]
            payment_id = str(next(self._ids))
            ticket = method == "oxxo"
            self.payments[payment_id] = {
                "id": int(payment_id), "status": status,
                "status_detail": "accredited" if status == "approved" else "pending_waiting_payment",
                "external_reference": pref["external_reference"],
                "transaction_amount": sum(i["unit_price"] * i["quantity"] for i in pref["items"]),
                "currency_id": "MXN", "payment_method_id": "oxxo" if ticket else "visa",
                "payment_type_id": "ticket" if ticket else "credit_card",
                "date_created": _now(), "date_approved": _now() if status == "approved" else None,
                "refunds": [], "transaction_amount_refunded": 0, "_notify": pref["notification_url"]}
            return payment_id

    def approve(self, payment_id: str) -> None:
        with self._lock:
            p = self.payments[payment_id]
            p.update(status="approved", status_detail="accredited", date_approved=_now())

    def refund(self, payment_id: str, amount: float | None = None) -> None:
        with self._lock:
            p = self.payments[payment_id]
            amount = p["transaction_amount"] if amount is None else amount
            p["refunds"].append({"id": next(self._ids), "payment_id": int(payment_id),
                                 "amount": amount, "status": "approved", "date_created": _now()})
            p["transaction_amount_refunded"] += amount
            if p["transaction_amount_refunded"] >= p["transaction_amount"]:
                p.update(status="refunded", status_detail="refunded")
            else:
                p["status_detail"] = "partially_refunded"

    def charge_back(self, payment_id: str) -> None:
        with self._lock:
            self.payments[payment_id].update(status="charged_back", status_detail="settled")

    def notify(self, payment_id: str, action: str = "payment.updated", *,
               secret: str | None = None, notification_id: int | None = None,
               url: str | None = None) -> httpx.Response:
        """POST MercadoPago's webhook for a payment; the same ``notification_id`` is a retry."""
        with self._lock:
            target = url or self.payments[payment_id]["_notify"]
        body = {"id": notification_id or next(self._ids), "live_mode": False, "type": "payment",
                "date_created": _now(), "user_id": 987654321, "api_version": "v1",
                "action": action, "data": {"id": payment_id}}
        request_id = str(uuid.uuid4())
        base, _, query = target.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        params.update({"data.id": payment_id, "type": "payment"})
        self.notifications.append(body)
        return httpx.post(base, params=params, content=json.dumps(body), timeout=15, headers={
            "Content-Type": "application/json", "x-request-id": request_id,
            "x-signature": sign(payment_id, request_id, secret or self.secret)})

    # ---- the HTTP API -------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.access_token}"

    async def _create_preference(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"message": "invalid access token", "error": "unauthorized",
                                 "status": 401, "cause": []}, 401)
        body = json.loads(await request.body())
        with self._lock:
            key = request.headers.get("x-idempotency-key")
            self.idempotency_keys.append(key)
            known = next((p for p in self.preferences.values() if p["_key"] == key), None)
            if known is not None:
                return JSONResponse(_public(known), 201)
            pref_id = f"123456789-{uuid.uuid4()}"
            pref = {**body, "id": pref_id, "_key": key, "date_created": _now(),
                    "init_point": f"{self.url}/pay/{pref_id}",
                    "sandbox_init_point": f"{self.url}/pay/{pref_id}"}
            self.preferences[pref_id] = pref
            return JSONResponse(_public(pref), 201)

    async def _get_payment(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"message": "invalid access token", "status": 401}, 401)
        with self._lock:
            p = self.payments.get(request.path_params["id"])
            if p is None:
                return JSONResponse({"message": "Payment not found", "error": "not_found",
                                     "status": 404, "cause": []}, 404)
            return JSONResponse(_public(p))

    async def _pay_page(self, request: Request) -> Response:
        pref = self.preferences.get(request.path_params["id"])
        if pref is None:
            return HTMLResponse("<h1>Enlace no encontrado</h1>", 404)
        total = sum(i["unit_price"] * i["quantity"] for i in pref["items"])
        u = f"/pay/{pref['id']}"
        return HTMLResponse(
            "<html><body><p><b>MODO DEMOSTRACIÓN</b>: Mercado Pago simulado, no se cobra nada.</p>"
            f"<h1>{pref['items'][0]['title']}: ${total:,.2f} MXN</h1><form method='post'>"
            f"<button formaction='{u}/card'>Pagar con tarjeta (simulado)</button>"
            f"<button formaction='{u}/oxxo'>Pagar en OXXO (simulado)</button></form></body></html>")

    async def _pay_action(self, request: Request) -> Response:
        """The demo's customer pays: the payment is approved and its webhook sent at once."""
        payment_id = self.pay(request.path_params["id"], request.path_params["method"])
        threading.Thread(target=self.notify, args=(payment_id, "payment.created"),
                         daemon=True).start()
        return HTMLResponse("<html><body><h1>¡Pago recibido!</h1><p>MODO DEMOSTRACIÓN.</p>"
                            "</body></html>")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000-06:00", time.gmtime(time.time() - 6 * 3600))


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not k.startswith("_")}
