"""A server whose platform Stripe is the local fake, an owner signed up, and ways to read what
the server stored (as the app role, row-level security on)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server import db
from tests.support.fakes.stripe_api import API_KEY, WEBHOOK_SECRET, FakeStripe
from tests.support.server import ServerHarness
from tests.support.wait import wait_until


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe().start()
    yield fake
    fake.stop()


def billing_settings(fake: FakeStripe, **overrides: Any) -> dict[str, Any]:
    return {"stripe_secret_key": API_KEY, "stripe_webhook_secret": WEBHOOK_SECRET,
            "stripe_api_base": fake.url, "billing_poll_s": 0.05, **overrides}


@pytest.fixture
def server(database_url: str, fake_stripe: FakeStripe) -> Iterator[ServerHarness]:
    harness = ServerHarness(database_url, **billing_settings(fake_stripe)).start()
    fake_stripe.webhook_url = f"{harness.url}/v1/billing/stripe/webhook"
    yield harness
    harness.stop()


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


@pytest.fixture
def owner(server: ServerHarness) -> Iterator[OwnerApi]:
    api = sign_up(server)
    yield api
    api.http.close()


def stripe_events(server: ServerHarness) -> list[dict[str, Any]]:
    return [dict(r) for r in server.admin(
        "SELECT event_id, type, outcome, handled_at, attempts FROM stripe_events ORDER BY received_at")]


def wait_handled(server: ServerHarness, count: int | None = None) -> list[dict[str, Any]]:
    """Every stored event handled by the worker (``count`` of them, if given)."""
    def done() -> bool:
        events = stripe_events(server)
        return (count is None or len(events) == count) and all(e["handled_at"] for e in events)

    wait_until(done, timeout=20, what="stripe events handled")
    return stripe_events(server)
