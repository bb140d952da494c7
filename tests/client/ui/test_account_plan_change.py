"""Cuenta en línea's plan tab, against a real server whose Stripe is the local fake: a
subscriber changes plan with «Cambiar a Tiendita» (no second subscription), and the tab shows
the new plan once Stripe's event arrives; a shop without a subscription sees no such button;
during a trial the tab says until when, and offers a second subscription only when no card
stands behind the trial."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from pos_client.ui.backroom.account_page import AccountPage
from shared.clock import shown_date, utc_now
from tests.support.account_page import account_page, log_in
from tests.support.billing import OwnerApi, put_on_plan, sign_up, stripe_server
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


def test_during_a_trial_the_tab_says_until_when_and_offers_no_second_subscription(
        qtbot, page, owner, fake_stripe):
    log_in(qtbot, page, EMAIL, PASSWORD)
    assert page.view is not None
    tab = page.view.plan_tab
    qtbot.waitUntil(lambda: "Gratis" in tab.summary.text(), timeout=15_000)
    assert not tab.subscribe_button.isHidden()
    assert tab.subscribe_button.text() == "Suscribirme (tarjeta)"

    started = owner.checkout(kind="subscription", plan="changarrito")  # 14 days' free trial
    fake_stripe.complete_checkout(started["session_id"])
    qtbot.waitUntil(lambda: owner.fetch("SELECT status FROM subscriptions")[0]["status"]
                    == "trial", timeout=15_000)
    tab.load()
    qtbot.waitUntil(lambda: "Periodo de prueba" in tab.summary.text() and page.network.idle,
                    timeout=15_000)
    [sub] = owner.fetch("SELECT renews_at FROM subscriptions")
    until = shown_date(sub["renews_at"], ZoneInfo("America/Mexico_City"))
    assert (f"Prueba gratis hasta el {until}; después se cobran $99.00 al mes a tu tarjeta"
            in tab.summary.text())
    assert tab.subscribe_button.isHidden()  # the server would refuse a second subscription
    assert not tab.buy.isRowVisible(tab.prepay_row)  # and months ahead beside it
    assert not tab.change_button.isHidden()


def test_a_trial_with_no_card_behind_it_offers_to_subscribe_to_go_on(qtbot, page, owner):
    ends = utc_now() + timedelta(days=30)
    owner.server.call(lambda pool: put_on_plan(pool, owner.tenant_id, "tiendita", "trial",
                                               renews_at=ends))  # the demo shop's kind of trial
    log_in(qtbot, page, EMAIL, PASSWORD)
    assert page.view is not None
    tab = page.view.plan_tab
    qtbot.waitUntil(lambda: "Periodo de prueba" in tab.summary.text(), timeout=15_000)
    until = shown_date(ends, ZoneInfo("America/Mexico_City"))
    assert f"Prueba hasta el {until}. Suscríbete para seguir con el plan Tiendita" in (
        tab.summary.text())
    assert tab.subscribe_button.text() == "Suscribirme para seguir (tarjeta)"
    assert not tab.subscribe_button.isHidden()
    assert tab.change_button.isHidden()  # no subscription to change


def test_the_tab_reads_the_plan_again_when_shown(qtbot, page, owner):
    page.window().show()
    log_in(qtbot, page, EMAIL, PASSWORD)
    assert page.view is not None
    tab = page.view.plan_tab
    qtbot.waitUntil(lambda: "Gratis" in tab.summary.text(), timeout=15_000)
    owner.server.call(lambda pool: put_on_plan(pool, owner.tenant_id, "tiendita"))
    page.view.tabs.setCurrentWidget(page.view.devices_tab)
    page.view.tabs.setCurrentWidget(tab)  # the owner looks at the plan again
    qtbot.waitUntil(lambda: "plan <b>Tiendita</b>" in tab.summary.text(), timeout=15_000)


def test_after_a_checkout_the_tab_shows_the_new_plan_by_itself(qtbot, page, owner, fake_stripe):
    page.window().show()
    log_in(qtbot, page, EMAIL, PASSWORD)
    assert page.view is not None
    opened: list[str] = []
    page.view.open_url = opened.append
    tab = page.view.plan_tab
    tab.watch.setInterval(100)  # instead of every 5 s
    qtbot.waitUntil(lambda: "Gratis" in tab.summary.text(), timeout=15_000)
    tab.plans.setCurrentIndex(tab.plans.findData("changarrito"))
    tab.subscribe_button.click()
    qtbot.waitUntil(lambda: bool(opened), timeout=15_000)
    [session] = [s for s in fake_stripe.sessions() if s["url"] == opened[0]]
    fake_stripe.complete_checkout(session["id"])  # paid in the browser; Stripe tells the server
    qtbot.waitUntil(lambda: "plan <b>Changarrito</b> — Periodo de prueba" in tab.summary.text(),
                    timeout=15_000)
    qtbot.waitUntil(lambda: not tab.watch.isActive(), timeout=5_000)  # seen: no more asking
