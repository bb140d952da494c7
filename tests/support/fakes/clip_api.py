"""A stand-in for Clip's Checkout API on loopback (``POST /v2/checkout``, ``GET
/v2/checkout/{id}``, Basic auth), its Payments API's ``GET /payments/{id}`` (with
``amount_refunded``), and the unsigned checkout webhook Clip sends when a link is paid
(resource ``CHECKOUT``) or refunded (resource ``REFUND``: CREATED, APPROVED, DECLINED)."""

from __future__ import annotations

import base64
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

API_KEY, SECRET_KEY = "clip-api-key-fake", "clip-secret-key-fake"


class FakeClip:
    def __init__(self, api_key: str = API_KEY, secret_key: str = SECRET_KEY) -> None:
        self._auth = "Basic " + base64.b64encode(f"{api_key}:{secret_key}".encode()).decode()
        self.links: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()
        self._loopback = Loopback(Starlette(routes=[
            Route("/v2/checkout", self._create, methods=["POST"]),
            Route("/v2/checkout/{id}", self._get, methods=["GET"]),
            Route("/payments/{id}", self._payment, methods=["GET"]),
            Route("/pay/{id}", self._page, methods=["GET", "POST"]),
        ]))
        self.url = self._loopback.url

    def start(self) -> FakeClip:
        self._loopback.start()
        return self

    def stop(self) -> None:
        self._loopback.stop()

    def complete(self, request_id: str) -> None:
        with self._lock:
            link = self.links[request_id]
            link.update(status="COMPLETED", transaction_id=str(uuid.uuid4()),
                        payment_date=_now(), completed_at=_now())

    def refund(self, request_id: str, amount: float) -> None:
        """The shop refunds (part of) the payment from Clip's dashboard (pesos)."""
        with self._lock:
            link = self.links[request_id]
            link["amount_refunded"] = round(link.get("amount_refunded", 0) + amount, 2)

    def notify(self, request_id: str, *, status: str | None = None, resource: str = "CHECKOUT",
               url: str | None = None) -> httpx.Response:
        """Clip's checkout webhook (no signature: Clip documents none)."""
        with self._lock:
            link = self.links[request_id]
            body = {"id": str(uuid.uuid4()), "api_version": "1.0", "payment_request_id": request_id,
                    "transaction_id": link.get("transaction_id"), "resource": resource,
                    "resource_status": status or link["status"],
                    "detail_type": "Refund Approved" if resource == "REFUND"
                    else "Payment Request Completed", "attempts": 1, "sent_date": _now(),
                    "me_reference_id": link["metadata"]["me_reference_id"]}
            target = url or link["webhook_url"]
        return httpx.post(target, content=json.dumps(body), timeout=15,
                          headers={"Content-Type": "application/json"})

    async def _create(self, request: Request) -> Response:
        if request.headers.get("authorization") != self._auth:
            return JSONResponse({"error_code": "UNAUTHORIZED", "message": "Unauthorized"}, 401)
        body = json.loads(await request.body())
        request_id = str(uuid.uuid4())
        with self._lock:
            self.links[request_id] = {**body, "payment_request_id": request_id,
                                      "payment_request_url": f"{self.url}/pay/{request_id}",
                                      "status": "CREATED", "created_at": _now()}
            return JSONResponse(dict(self.links[request_id]), 201)

    async def _get(self, request: Request) -> Response:
        if request.headers.get("authorization") != self._auth:
            return JSONResponse({"error_code": "UNAUTHORIZED", "message": "Unauthorized"}, 401)
        with self._lock:
            link = self.links.get(request.path_params["id"])
            if link is None:
                return JSONResponse({"error_code": "NOT_FOUND", "message": "Not found"}, 404)
            return JSONResponse(dict(link))

    async def _payment(self, request: Request) -> Response:
        if request.headers.get("authorization") != self._auth:
            return JSONResponse({"error_code": "UNAUTHORIZED", "message": "Unauthorized"}, 401)
        with self._lock:
            link = next((k for k in self.links.values()
                         if k.get("transaction_id") == request.path_params["id"]), None)
            if link is None:
                return JSONResponse({"error_code": "NOT_FOUND", "message": "Not found"}, 404)
            return JSONResponse({"id": link["transaction_id"], "amount": link["amount"],
                                 "tip_amount": 0, "amount_refunded": link.get("amount_refunded", 0),
                                 "currency": "MXN", "status": "approved"})

    async def _page(self, request: Request) -> Response:
        request_id = request.path_params["id"]
        if request.method == "POST" and request_id in self.links:
            self.complete(request_id)
            threading.Thread(target=self.notify, args=(request_id,), daemon=True).start()
            return HTMLResponse("<h1>¡Pago recibido!</h1><p>MODO DEMOSTRACIÓN.</p>")
        return HTMLResponse("<p><b>MODO DEMOSTRACIÓN</b>: Clip simulado.</p><form method='post'>"
                            "<button>Pagar con tarjeta (simulado)</button></form>")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
