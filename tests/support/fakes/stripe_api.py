"""A stand-in for Stripe's API on loopback, driven by the real ``stripe`` SDK.

It speaks Stripe's formats (form-encoded bracketed parameters in, JSON objects, lists and
errors out) for what MiChangarrito uses: Customers, Products, Prices, Checkout Sessions,
the Billing Portal, Subscriptions, Payment Intents, Charges, Refunds, Disputes and Events.
Whatever a customer would do on Stripe's pages (pay by card, take an OXXO voucher and pay it or
let it expire, a renewal failing, cancelling, a refund, a dispute) is a method here that
changes the objects and records the event Stripe would send, each with its own snapshot of the
object; :meth:`FakeStripe.deliver` posts an event to a webhook signed with Stripe's scheme, as
many times and in whatever order a test wants. ``auto_deliver`` sends each event as it happens (the demo).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

import httpx
import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.support.fakes.loopback import Loopback

API_KEY = "sk_test_fake_michangarrito"
WEBHOOK_SECRET = "whsec_fake_michangarrito"
API_VERSION = stripe.api_version


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``a[b][0][c]=1`` → ``{"a": {"b": [{"c": "1"}]}}`` (Stripe's bracket encoding)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt: Any = value if last else ([] if parts[i + 1].isdigit() else {})
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                if node[index] is None or last:
                    node[index] = nxt
                node = node[index]
            else:
                if part not in node or last:
                    node[part] = nxt
                node = node[part]
    return root


def stripe_error(status: int, message: str, code: str = "parameter_invalid",
                 param: str | None = None, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "code": code, "param": param,
                                   "message": message}}, status_code=status)


class FakeStripe:
    def __init__(self, api_key: str = API_KEY, webhook_secret: str = WEBHOOK_SECRET) -> None:
        self.api_key, self.webhook_secret = api_key, webhook_secret
        self.webhook_url: str | None = None
        self.auto_deliver = False
        self.objects: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []  # oldest first
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._holds: dict[str, tuple[threading.Event, threading.Event]] = {}
        self._loopback = Loopback(self._app())
        self.url = self._loopback.url

    def start(self) -> FakeStripe:
        self._loopback.start()
        return self

    def stop(self) -> None:
        self._loopback.stop()

    # ---- what customers and Stripe do ---------------------------------------------------------

    def complete_checkout(self, session_id: str, method: str = "card") -> dict[str, Any]:
        """The customer finishes Checkout: pays by card, or takes an OXXO voucher (unpaid)."""
        with self._lock:
            s = self.objects[session_id]
            if s["status"] != "open":
                raise ValueError(f"session {session_id} is {s['status']}")
            s["status"] = "complete"
            if not s["customer"]:
                s["customer"] = self._customer(s.get("customer_email"), s["metadata"])["id"]
            if s["mode"] == "subscription":
                sub = self._subscription(s)
                s["subscription"] = sub["id"]
                s["payment_status"] = "paid" if sub["status"] == "active" else "no_payment_required"
                self._emit("customer.subscription.created", sub)
            else:
                # As Stripe: the intent keeps the session's allowed types; the one the customer
                # chose is its payment method's type.
                pm = self._new("pm", {"object": "payment_method", "type": method})
                pi = self._new("pi", {"object": "payment_intent", "amount": s["amount_total"],
                                      "currency": "mxn",
                                      "payment_method_types": list(s["payment_method_types"]),
                                      "payment_method": pm["id"], "metadata": s["metadata"],
                                      "latest_charge": None,
                                      "status": "succeeded" if method == "card" else "requires_action"})
                s["payment_intent"] = pi["id"]
                s["payment_status"] = "paid" if method == "card" else "unpaid"
                if method == "card":
                    self._charge(pi)
            self._emit("checkout.session.completed", s)
            return copy.deepcopy(s)

    def pay_voucher(self, session_id: str) -> None:
        """The customer pays the OXXO voucher at the store."""
        with self._lock:
            s = self.objects[session_id]
            self.objects[s["payment_intent"]]["status"] = "succeeded"
            self._charge(self.objects[s["payment_intent"]])
            s["payment_status"] = "paid"
            self._emit("checkout.session.async_payment_succeeded", s)

    def expire_voucher(self, session_id: str) -> None:
        """The OXXO voucher passes its date unpaid."""
        with self._lock:
            s = self.objects[session_id]
            self.objects[s["payment_intent"]]["status"] = "canceled"
            self._emit("checkout.session.async_payment_failed", s)

    def expire_session(self, session_id: str) -> None:
        with self._lock:
            s = self.objects[session_id]
            s["status"] = "expired"
            self._emit("checkout.session.expired", s)

    def refund(self, payment_intent_id: str, amount: int | None = None) -> dict[str, Any]:
        """The shop refunds (part of) a payment from its dashboard: ``charge.refunded``."""
        with self._lock:
            charge = self.objects[self.objects[payment_intent_id]["latest_charge"]]
            amount = charge["amount"] - charge["amount_refunded"] if amount is None else amount
            refund = self._new("re", {"object": "refund", "amount": amount, "currency": "mxn",
                                      "charge": charge["id"], "payment_intent": payment_intent_id,
                                      "status": "succeeded"})
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            self._emit("charge.refunded", charge)
            return copy.deepcopy(refund)

    def dispute(self, payment_intent_id: str, status: str = "needs_response") -> dict[str, Any]:
        """The cardholder disputes the payment with their bank: ``charge.dispute.created``."""
        with self._lock:
            charge = self.objects[self.objects[payment_intent_id]["latest_charge"]]
            found = self._new("du", {"object": "dispute", "amount": charge["amount"],
                                     "currency": "mxn", "charge": charge["id"],
                                     "payment_intent": payment_intent_id, "status": status,
                                     "reason": "fraudulent"})
            charge["disputed"] = True
            self._emit("charge.dispute.created", found)
            return copy.deepcopy(found)

    def update_subscription(self, sub_id: str, **fields: Any) -> dict[str, Any]:
        """Change a subscription (status, cancel_at_period_end…) as Stripe would, with its event:
        ``customer.subscription.deleted`` when it becomes ``canceled``."""
        with self._lock:
            sub = self.objects[sub_id]
            sub.update(fields)
            kind = "deleted" if sub["status"] == "canceled" else "updated"
            self._emit(f"customer.subscription.{kind}", sub)
            return copy.deepcopy(sub)

    def invoice(self, sub_id: str, paid: bool) -> dict[str, Any]:
        """A renewal invoice: paid (the subscription is active) or failed (past_due)."""
        with self._lock:
            sub = self.objects[sub_id]
            item = sub["items"]["data"][0]
            inv = self._new("in", {
                "object": "invoice", "customer": sub["customer"],
                "status": "paid" if paid else "open", "amount_paid": item["price"]["unit_amount"]
                if paid else 0, "amount_due": item["price"]["unit_amount"], "currency": "mxn",
                "billing_reason": "subscription_cycle",
                "parent": {"type": "subscription_details", "quote_details": None,
                           "subscription_details": {"subscription": sub_id,
                                                    "metadata": sub["metadata"]}},
                "lines": {"object": "list", "data": [], "has_more": False}})
            sub["status"] = "active" if paid else "past_due"
            if paid:
                item["current_period_end"] += 30 * 86400
            self._emit("customer.subscription.updated", sub)
            self._emit("invoice.paid" if paid else "invoice.payment_failed", inv)
            return inv

    def deliver(self, event: dict[str, Any] | str, url: str | None = None, *,
                secret: str | None = None, timestamp: int | None = None,
                signature: str | None = None) -> httpx.Response:
        """POST one event to a webhook, signed as Stripe signs (``signature`` overrides)."""
        if isinstance(event, str):
            event = self.event(event)
        payload = json.dumps(event)
        header = signature or stripe.WebhookSignature.generate_signature_header(
            payload, secret or self.webhook_secret, timestamp=timestamp or int(time.time()))
        target = url or self.webhook_url
        assert target, "no webhook URL"
        return httpx.post(target, content=payload, timeout=15, headers={
            "Stripe-Signature": header, "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})

    def hold_next_listing(self, kind: str) -> tuple[threading.Event, threading.Event]:
        """The next ``GET /v1/{kind}s`` answers what Stripe has at that moment, but only once
        the returned ``release`` is set (``held`` is set when it waits): a reader slow to act on
        what it read, while the test changes Stripe meanwhile."""
        held, release = threading.Event(), threading.Event()
        with self._lock:
            self._holds[kind] = (held, release)
        return held, release

    def event(self, event_id: str) -> dict[str, Any]:
        return next(e for e in self.events if e["id"] == event_id)

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]

    def sessions(self) -> list[dict[str, Any]]:
        return [o for o in self.objects.values() if o["object"] == "checkout.session"]

    # ---- objects ------------------------------------------------------------------------------

    def _new(self, prefix: str, fields: dict[str, Any]) -> dict[str, Any]:
        obj = {"id": f"{prefix}_fake{next(self._ids):06d}", "livemode": False,
               "created": int(time.time()), "metadata": {}, **fields}
        self.objects[obj["id"]] = obj
        return obj

    def _charge(self, intent: dict[str, Any]) -> dict[str, Any]:
        charge = self._new("ch", {"object": "charge", "amount": intent["amount"],
                                  "amount_refunded": 0, "currency": "mxn", "paid": True,
                                  "refunded": False, "disputed": False, "status": "succeeded",
                                  "payment_intent": intent["id"]})
        intent["latest_charge"] = charge["id"]
        return charge

    def _customer(self, email: str | None, metadata: dict[str, Any]) -> dict[str, Any]:
        return self._new("cus", {"object": "customer", "email": email, "name": None,
                                 "metadata": dict(metadata)})

    def _subscription(self, session: dict[str, Any]) -> dict[str, Any]:
        data = session.get("_subscription_data") or {}
        trial_days = int(data.get("trial_period_days") or 0)
        now = int(time.time())
        price = self.objects[session["_line_items"][0]["price"]]
        trial_end = now + trial_days * 86400 if trial_days else None
        return self._new("sub", {
            "object": "subscription", "customer": session["customer"],
            "status": "trialing" if trial_days else "active", "trial_end": trial_end,
            "cancel_at_period_end": False, "canceled_at": None,
            "metadata": dict(data.get("metadata") or {}),
            "items": {"object": "list", "has_more": False, "data": [{
                "id": f"si_fake{next(self._ids):06d}", "object": "subscription_item",
                "current_period_start": now,
                "current_period_end": trial_end or now + 30 * 86400,
                "price": copy.deepcopy(price), "quantity": 1}]}})

    def _emit(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = {"id": f"evt_fake{next(self._ids):06d}", "object": "event", "type": kind,
                 "created": int(time.time()), "api_version": API_VERSION, "livemode": False,
                 "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
                 "data": {"object": _public(obj)}}
        self.events.append(event)
        if self.auto_deliver and self.webhook_url:
            threading.Thread(target=self.deliver, args=(event,), daemon=True).start()
        return event

    # ---- the HTTP API -------------------------------------------------------------------------

    def _app(self) -> Starlette:
        routes = [
            Route("/v1/customers", self._create_customer, methods=["POST"]),
            Route("/v1/customers/{id}", self._retrieve, methods=["GET"]),
            Route("/v1/products", self._create_product, methods=["POST"]),
            Route("/v1/prices", self._create_price, methods=["POST"]),
            Route("/v1/prices", self._list_prices, methods=["GET"]),
            Route("/v1/checkout/sessions", self._create_session, methods=["POST"]),
            Route("/v1/checkout/sessions/{id}", self._retrieve, methods=["GET"]),
            Route("/v1/checkout/sessions/{id}/expire", self._expire, methods=["POST"]),
            Route("/v1/billing_portal/sessions", self._create_portal, methods=["POST"]),
            Route("/v1/subscriptions/{id}", self._retrieve, methods=["GET"]),
            Route("/v1/subscriptions/{id}", self._update_subscription, methods=["POST"]),
            Route("/v1/payment_intents/{id}", self._retrieve, methods=["GET"]),
            Route("/v1/events", self._list_events, methods=["GET"]),
            Route("/v1/refunds", self._list_of("refund"), methods=["GET"]),
            Route("/v1/disputes", self._list_of("dispute"), methods=["GET"]),
            Route("/checkout/{id}", self._checkout_page, methods=["GET"]),
            Route("/checkout/{id}/{action}", self._checkout_action, methods=["POST"]),
            Route("/portal/{id}", self._portal_page, methods=["GET"]),
        ]
        return Starlette(routes=routes)

    async def _params(self, request: Request) -> dict[str, Any] | Response:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return stripe_error(401, "Invalid API Key provided.", "api_key_invalid", None,
                                "invalid_request_error")
        pairs = parse_qsl(request.url.query, keep_blank_values=True)
        if request.method == "POST":
            pairs += parse_qsl((await request.body()).decode(), keep_blank_values=True)
        params = parse_form(pairs)
        with self._lock:
            self.requests.append((request.method, request.url.path, params))
        return params

    async def _retrieve(self, request: Request) -> Response:
        params = await self._params(request)
        if isinstance(params, Response):
            return params
        with self._lock:
            obj = self.objects.get(request.path_params["id"])
            if obj is None:
                return stripe_error(404, f"No such object: '{request.path_params['id']}'",
                                    "resource_missing", "id")
            shown = _public(obj)
            for name in params.get("expand") or []:  # top-level ids only (payment_method)
                if isinstance(shown.get(name), str) and shown[name] in self.objects:
                    shown[name] = _public(self.objects[shown[name]])
            return JSONResponse(shown)

    async def _create_customer(self, request: Request) -> Response:
        p = await self._params(request)
        if isinstance(p, Response):
            return p
        with self._lock:
            c = self._customer(p.get("email"), p.get("metadata") or {})
            c["name"] = p.get("name")
            return JSONResponse(_public(c))

    async def _create_product(self, request: Request) -> Response:
        p = await self._params(request)
        if isinstance(p, Response):
            return p
        with self._lock:
            return JSONResponse(_public(self._new("prod", {"object": "product", "name": p["name"],
                                                           "active": True})))

    async def _create_price(self, request: Request) -> Response:
        p = await self._params(request)
        if isinstance(p, Response):
            return p
        with self._lock:
            holders = [o for o in self.objects.values() if o["object"] == "price"
                       and p.get("lookup_key") and o.get("lookup_key") == p.get("lookup_key")]
            if holders and p.get("transfer_lookup_key") != "true":
                return stripe_error(400, "A price with this lookup_key already exists.",
                                    "lookup_key_exists", "lookup_key")
            for old in holders:
                old["lookup_key"] = None
            price = self._new("price", {
                "object": "price", "active": True, "currency": p["currency"],
                "unit_amount": int(p["unit_amount"]), "product": p["product"],
                "lookup_key": p.get("lookup_key"), "type": "recurring" if "recurring" in p
                else "one_time", "recurring": {"interval": p["recurring"]["interval"],
                                               "interval_count": 1} if "recurring" in p else None})
            return JSONResponse(_public(price))

    async def _list_prices(self, request: Request) -> Response:
        p = await self._params(request)
        if isinstance(p, Response):
            return p
        keys = set(p.get("lookup_keys") or [])
        with self._lock:
            found = [_public(o) for o in self.objects.values() if o["object"] == "price"
                     and (not keys or o.get("lookup_key") in keys) and o["active"]]
        return JSONResponse({"object": "list", "url": "/v1/prices", "has_more": False,
                             "data": found})

    async def _create_session(self, request: Request) -> Response:
        p = await self._params(request)
        if isinstance(p, Response):
            return p
        mode, methods = p.get("mode"), p.get("payment_method_types") or ["card"]
        items = p.get("line_items") or []
        if mode not in ("payment", "subscription") or not items:
            return stripe_error(400, "Missing required param: line_items.", "parameter_missing",
                                "line_items")
        if mode == "subscription" and "oxxo" in methods:
            return stripe_error(400, "The payment method type `oxxo` cannot be used in "
                                     "`subscription` mode.", "parameter_invalid",
                                "payment_method_types")
        with self._lock:
            if mode == "subscription":
                price = self.objects.get(items[0].get("price", ""))
                if price is None or price.get("type") != "recurring":
                    return stripe_error(400, "No such price or not recurring.",
                                        "resource_missing", "line_items[0][price]")
                total = price["unit_amount"]
            else:
                total = sum(int(i["price_data"]["unit_amount"]) * int(i.get("quantity", 1))
                            for i in items)
            s = self._new("cs_test", {
                "object": "checkout.session", "mode": mode, "status": "open",
                "payment_status": "unpaid", "customer": p.get("customer"),
                "customer_email": p.get("customer_email"), "subscription": None,
                "payment_intent": None, "invoice": None, "amount_total": total, "currency": "mxn",
                "payment_method_types": methods, "metadata": p.get("metadata") or {},
                "client_reference_id": p.get("client_reference_id"),
                "success_url": p.get("success_url"), "cancel_url": p.get("cancel_url"),
                "expires_at": int(time.time()) + 86400,
                "_subscription_data": p.get("subscription_data"), "_line_items": items})
            s["url"] = f"{self.url}/checkout/{s['id']}"
            return JSONResponse(_public(s))

    async def _update_subscription(self, request: Request) -> Response:
        """A new price for an item (a plan change): Stripe prorates by default, and sends
        ``customer.subscription.updated``."""
        p = await self._params(request)
        if isinstance(p, Response):
            return p
        with self._lock:
            sub = self.objects.get(request.path_params["id"])
            if sub is None or sub["object"] != "subscription":
                return stripe_error(404, f"No such subscription: '{request.path_params['id']}'",
                                    "resource_missing", "id")
            if sub["status"] == "canceled":
                return stripe_error(400, "A canceled subscription can only update its "
                                         "cancellation_details and metadata.")
            for change in p.get("items") or []:
                item = next((i for i in sub["items"]["data"] if i["id"] == change.get("id")), None)
                price = self.objects.get(change.get("price", ""))
                if item is None or price is None or price["object"] != "price":
                    return stripe_error(400, "No such subscription item or price.",
                                        "resource_missing", "items")
                item["price"] = copy.deepcopy(price)
            sub["metadata"].update(p.get("metadata") or {})
            sub["_proration_behavior"] = p.get("proration_behavior", "create_prorations")
            self._emit("customer.subscription.updated", sub)
            return JSONResponse(_public(sub))

    async def _expire(self, request: Request) -> Response:
        p = await self._params(request)
        if isinstance(p, Response):
            return p
        with self._lock:
            s = self.objects.get(request.path_params["id"])
            if s is None or s["object"] != "checkout.session":
                return stripe_error(404, f"No such checkout.session: '{request.path_params['id']}'",
                                    "resource_missing", "session")
            if s["status"] != "open":
                return stripe_error(400, "Only Checkout Sessions with a status in [\"open\"] "
                                         "can be expired.", "checkout_session_not_open")
            self.expire_session(s["id"])
            return JSONResponse(_public(s))

    async def _create_portal(self, request: Request) -> Response:
        p = await self._params(request)
        if isinstance(p, Response):
            return p
        with self._lock:
            if p.get("customer") not in self.objects:
                return stripe_error(400, f"No such customer: '{p.get('customer')}'",
                                    "resource_missing", "customer")
            ps = self._new("bps", {"object": "billing_portal.session", "customer": p["customer"],
                                   "return_url": p.get("return_url")})
            ps["url"] = f"{self.url}/portal/{ps['id']}"
            return JSONResponse(_public(ps))

    def _list_of(self, kind: str) -> Any:
        """``GET /v1/refunds`` or ``/v1/disputes``, filtered by ``payment_intent`` (newest first)."""
        async def listing(request: Request) -> Response:
            p = await self._params(request)
            if isinstance(p, Response):
                return p
            with self._lock:
                found = [_public(o) for o in reversed(self.objects.values())
                         if o["object"] == kind and (not p.get("payment_intent")
                                                     or o["payment_intent"] == p["payment_intent"])]
                hold = self._holds.pop(kind, None)
            if hold:
                hold[0].set()
                await asyncio.to_thread(hold[1].wait, 30)
            return JSONResponse({"object": "list", "url": f"/v1/{kind}s", "has_more": False,
                                 "data": found})
        return listing

    async def _list_events(self, request: Request) -> Response:
        p = await self._params(request)
        if isinstance(p, Response):
            return p
        created = p.get("created") or {}
        types = set(p.get("types") or ([p["type"]] if p.get("type") else []))
        limit = int(p.get("limit") or 10)
        with self._lock:
            found = [e for e in reversed(self.events)  # newest first, as Stripe lists them
                     if (not types or e["type"] in types)
                     and e["created"] >= int(created.get("gte", 0))]
        if after := p.get("starting_after"):
            ids = [e["id"] for e in found]
            found = found[ids.index(after) + 1:] if after in ids else []
        page = found[:limit]
        return JSONResponse({"object": "list", "url": "/v1/events",
                             "has_more": len(found) > limit, "data": page})

    # ---- pages a person sees (the demo) ---------------------------------------------------

    async def _checkout_page(self, request: Request) -> Response:
        s = self.objects.get(request.path_params["id"])
        if s is None:
            return HTMLResponse("<h1>Sesión no encontrada</h1>", 404)
        pesos = f"${s['amount_total'] / 100:,.2f} MXN"
        buttons = ['<button name="a" formaction="{u}/card">Pagar con tarjeta (simulado)</button>']
        if "oxxo" in s["payment_method_types"]:
            buttons.append('<button formaction="{u}/oxxo">Generar ficha OXXO (simulada)</button>')
        if s["status"] == "complete" and s["payment_status"] == "unpaid":
            buttons = ['<button formaction="{u}/voucher_paid">La ficha se pagó en OXXO</button>',
                       '<button formaction="{u}/voucher_expired">La ficha venció</button>']
        u = f"/checkout/{s['id']}"
        body = "".join(b.format(u=u) for b in buttons) if s["status"] != "expired" else ""
        return HTMLResponse(
            f"<html><body><p><b>MODO DEMOSTRACIÓN</b>: Stripe simulado, no se cobra nada.</p>"
            f"<h1>{pesos}</h1><p>Estado: {s['status']} / {s['payment_status']}</p>"
            f"<form method='post'>{body}</form></body></html>")

    async def _checkout_action(self, request: Request) -> Response:
        sid, action = request.path_params["id"], request.path_params["action"]
        if action in ("card", "oxxo"):
            self.complete_checkout(sid, action)
        elif action == "voucher_paid":
            self.pay_voucher(sid)
        elif action == "voucher_expired":
            self.expire_voucher(sid)
        return await self._checkout_page(request)

    async def _portal_page(self, request: Request) -> Response:
        return HTMLResponse("<html><body><p><b>MODO DEMOSTRACIÓN</b>: portal de Stripe "
                            "simulado.</p></body></html>")


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as Stripe shows it: without the fake's own bookkeeping."""
    return copy.deepcopy({k: v for k, v in obj.items() if not k.startswith("_")})
