"""A server whose platform Stripe is the local fake, and an owner signed up on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.billing import OwnerApi, sign_up, stripe_server
from tests.support.fakes.stripe_api import FakeStripe
from tests.support.server import ServerHarness


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def server(database_url: str, fake_stripe: FakeStripe) -> Iterator[ServerHarness]:
    with stripe_server(database_url, fake_stripe) as harness:
        yield harness


@pytest.fixture
def owner(server: ServerHarness) -> Iterator[OwnerApi]:
    api = sign_up(server)
    yield api
    api.http.close()
