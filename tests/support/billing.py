"""Billing in tests: a server whose Stripe is the local fake, an owner calling the account
API, and what the server stored. ``put_on_plan`` BYPASSES Stripe and the webhook path on
purpose: it writes a shop's subscription row directly and publishes its plan record, to set up
tests that are about something else (a shop needing more tills than the free plan's one)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server import db
from sync_server.billing import plan_state
from sync_server.repositories import Pool, subscriptions
from tests.support.fakes.stripe_api import API_KEY, WEBHOOK_SECRET, FakeStripe
from tests.support.server import ServerHarness
from tests.support.wait import wait_until


async def put_on_plan(pool: Pool, tenant_id: uuid.UUID, plan_id: str = "tiendita",
                      status: str = "active", *, renews_at: datetime | None = None,
                      past_due_since: datetime | None = None) -> None:
    """BYPASSES billing: the shop is on ``plan_id`` in ``status`` as if Stripe had said so
    (with the trial's or period's end, and since when a payment failed, if given)."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        await subscriptions.ensure(conn, tenant_id, "gratis")
        await conn.execute(
            """UPDATE subscriptions SET plan_id = $2, status = $3, renews_at = $4,
                                        past_due_since = $5 WHERE tenant_id = $1""",
            tenant_id, plan_id, status, renews_at, past_due_since)
        await plan_state.publish(conn, tenant_id, grace_days=7)


def billing_settings(fake: FakeStripe, **overrides: Any) -> dict[str, Any]:
    return {"stripe_secret_key": API_KEY, "stripe_webhook_secret": WEBHOOK_SECRET,
            "stripe_api_base": fake.url, "billing_poll_s": 0.05, **overrides}


@contextmanager
def stripe_server(database_url: str, fake: FakeStripe, **settings: Any) -> Iterator[ServerHarness]:
    """A server whose platform Stripe is ``fake``, and the fake's webhook pointed at it."""
    harness = ServerHarness(database_url, **billing_settings(fake, **settings)).start()
    fake.webhook_url = f"{harness.url}/v1/billing/stripe/webhook"
    try:
        yield harness
    finally:
        harness.stop()


def deliver_all(fake: FakeStripe) -> None:
    """Every event the fake recorded, delivered once, in order."""
    for event in list(fake.events):
        assert fake.deliver(event).status_code == 200


@dataclass
class OwnerApi:
    """An owner signed up on the server, calling it with their session."""

    server: ServerHarness
    http: httpx.Client
    tenant_id: uuid.UUID

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.post(path, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, **kw)

    def checkout(self, **body: Any) -> dict[str, Any]:
        r = self.http.post("/v1/billing/checkout", json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def account(self) -> dict[str, Any]:
        r = self.http.get("/v1/account")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        """Rows of the shop's tables as the server sees them (app role, RLS on)."""

        async def run(pool: db.Pool) -> list[dict[str, Any]]:
            async with db.tenant_tx(pool, self.tenant_id) as conn:
                return [dict(r) for r in await conn.fetch(sql, *args)]

        return self.server.call(run)


def sign_up(server: ServerHarness, email: str = "dona.mary@example.mx",
            phone: str | None = None) -> OwnerApi:
    http = httpx.Client(base_url=server.url, timeout=20,
                        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)})
    r = http.post("/v1/owners/signup", json={
        "shop_name": "Abarrotes Doña Mary", "owner_name": "María", "email": email,
        "phone": phone, "password": "tamales-2026"})
    assert r.status_code == 201, r.text
    http.headers["Authorization"] = f"Bearer {r.json()['token']}"
    return OwnerApi(server, http, uuid.UUID(r.json()["tenant_id"]))


def stripe_events(server: ServerHarness) -> list[dict[str, Any]]:
    return [dict(r) for r in server.admin(
        "SELECT event_id, type, outcome, handled_at, attempts, last_error FROM stripe_events"
        " ORDER BY received_at")]


def wait_handled(server: ServerHarness, count: int | None = None) -> list[dict[str, Any]]:
    """Every stored event handled by the worker (``count`` of them, if given)."""
    def done() -> bool:
        events = stripe_events(server)
        return (count is None or len(events) == count) and all(e["handled_at"] for e in events)

    try:
        wait_until(done, timeout=20, what="stripe events handled")
    except TimeoutError as exc:  # say what the worker made of them
        raise TimeoutError(f"{exc}: {stripe_events(server)}") from None
    return stripe_events(server)
