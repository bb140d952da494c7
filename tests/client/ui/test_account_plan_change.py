"""Cuenta en línea's plan tab, against a real server whose Stripe is the local fake: a
subscriber changes plan with «Cambiar a Tiendita» (no second subscription), and the tab shows
the new plan once Stripe's event arrives; a shop without a subscription sees no such button."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pos_client.ui.backroom.account_page import AccountPage
from tests.support.account_page import account_page, log_in
from tests.support.billing import OwnerApi, sign_up, stripe_server
from tests.support.client import pair
from tests.support.fakes.stripe_api import FakeStripe

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "dona.mary@example.mx", "tamales-2026"


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe().start()
    fake.auto_deliver = True  # each event reaches the server as it happens, as Stripe's would
    yield fake
    fake.stop()


@pytest.fixture
def server(database_url, fake_stripe):
    with stripe_server(database_url, fake_stripe) as harness:
        yield harness


@pytest.fixture
def owner(server) -> Iterator[OwnerApi]:
    api = sign_up(server, EMAIL)
    yield api
    api.http.close()


@pytest.fixture
def page(qtbot, owner, new_device) -> Iterator[AccountPage]:
    pos = new_device("caja-1")
    pair(pos, owner.server.url, owner.post("/v1/account/pairing-codes").json()["code"], "Caja 1")
    with account_page(qtbot, pos) as found:
        yield found


def test_a_subscriber_changes_plan_from_the_plan_tab(qtbot, page, owner, fake_stripe):
    log_in(qtbot, page, EMAIL, PASSWORD)
    assert page.view is not None
    tab = page.view.plan_tab
    qtbot.waitUntil(lambda: "Gratis" in tab.summary.text(), timeout=15_000)
    assert tab.change_button.isHidden()  # nothing to change without a subscription

    started = owner.checkout(kind="subscription", plan="changarrito")
    fake_stripe.complete_checkout(started["session_id"])
    qtbot.waitUntil(lambda: owner.fetch("SELECT plan_id FROM subscriptions")[0]["plan_id"]
                    == "changarrito", timeout=15_000)
    tab.load()
    qtbot.waitUntil(lambda: "Changarrito" in tab.summary.text() and page.network.idle,
                    timeout=15_000)
    assert not tab.change_button.isHidden()
    tab.plans.setCurrentIndex(tab.plans.findData("tiendita"))
    assert tab.change_button.text() == "Cambiar a Tiendita"
    tab.change_button.click()
    qtbot.waitUntil(lambda: "cambia al plan Tiendita" in page.view.message.text(),
                    timeout=15_000)
    # Stripe's customer.subscription.updated reaches the server; the tab shows it when read.
    qtbot.waitUntil(lambda: owner.fetch("SELECT plan_id FROM subscriptions")[0]["plan_id"]
                    == "tiendita", timeout=15_000)
    tab.load()
    qtbot.waitUntil(lambda: "Tiendita" in tab.summary.text(), timeout=15_000)
    subs = [o for o in fake_stripe.objects.values() if o["object"] == "subscription"]
    assert len(subs) == 1  # the same subscription, at the new price
    assert subs[0]["items"]["data"][0]["price"]["lookup_key"] == "michangarrito_tiendita_mensual_mxn"
