"""Missed webhooks are caught by the backfill command; two replicas handle each event once;
plans are data an operator edits, and the shops on an edited plan receive it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from sync_server.billing import admin, stripe_sync
from tests.support.billing import billing_settings, sign_up, stripe_events, wait_handled
from tests.support.server import ServerHarness

pytestmark = pytest.mark.e2e


def test_the_backfill_handles_events_the_webhook_never_delivered(owner, fake_stripe):
    started = owner.checkout(kind="tokens", package="tokens_1000")
    fake_stripe.complete_checkout(started["session_id"], "card")
    subscribed = owner.checkout(kind="subscription", plan="changarrito")
    fake_stripe.complete_checkout(subscribed["session_id"])
    fake_stripe.deliver(fake_stripe.events[0])  # only the first one ever arrives
    wait_handled(owner.server, 1)

    done = owner.server.call(lambda _: admin.backfill(owner.server.app.state.billing, days=1))
    assert (done.listed, done.new) == (3, 2)
    events = wait_handled(owner.server, 3)
    assert {e["type"] for e in events} == {"checkout.session.completed",
                                           "customer.subscription.created"}
    account = owner.account()
    assert account["usage"]["tokens_from_packages"] == 1000
    assert account["plan"]["status"] == "trial"

    again = owner.server.call(lambda _: admin.backfill(owner.server.app.state.billing, days=1))
    assert (again.listed, again.new) == (3, 0)


def test_a_checkout_and_its_subscription_handled_at_once_take_turns(owner, fake_stripe):
    """The backfill's own pass runs beside the worker's (and replicas beside each other): the
    session and the subscription of one shop, handled at the same moment, deadlocked."""
    subscribed = owner.checkout(kind="subscription", plan="changarrito")
    fake_stripe.complete_checkout(subscribed["session_id"])
    [session] = fake_stripe.events_of("checkout.session.completed")
    [created] = fake_stripe.events_of("customer.subscription.created")
    billing = owner.server.app.state.billing

    async def both_at_once(_pool):
        return await asyncio.gather(*(stripe_sync.handle(billing, e["type"], e)
                                      for _ in range(6) for e in (session, created)))

    outcomes = owner.server.call(both_at_once)
    assert len(outcomes) == 12
    assert all("subscription trialing" in o for o in outcomes)
    assert owner.account()["plan"]["status"] == "trial"


@pytest.mark.slow
def test_the_backfill_command_line(owner, fake_stripe, database_url, tmp_path):
    started = owner.checkout(kind="tokens", package="tokens_3000")
    fake_stripe.complete_checkout(started["session_id"], "card")
    env = {**os.environ, "DATABASE_URL": database_url, "MCH_STRIPE_SECRET_KEY": "sk_test_fake_michangarrito",
           "MCH_STRIPE_API_BASE": fake_stripe.url, "MCH_DATA_DIR": str(tmp_path / "cli"),
           "MCH_LOG_JSON": "false"}
    out = subprocess.run([sys.executable, "-m", "sync_server", "billing-backfill", "--days", "2"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "no recibidos antes: 1" in out.stdout
    wait_handled(owner.server, 1)
    assert owner.account()["usage"]["tokens_from_packages"] == 3000


def test_two_replicas_handle_each_event_once(database_url, fake_stripe):
    one = ServerHarness(database_url, **billing_settings(fake_stripe)).start()
    two = ServerHarness(database_url, **billing_settings(fake_stripe)).start()
    try:
        owner = sign_up(one)
        sessions = [owner.checkout(kind="tokens", package="tokens_1000")["session_id"]
                    for _ in range(4)]
        for sid in sessions:
            fake_stripe.complete_checkout(sid, "oxxo")
            fake_stripe.pay_voucher(sid)
        for event in fake_stripe.events:  # every event to both replicas, twice
            for replica in (one, two, two, one):
                assert fake_stripe.deliver(
                    event, f"{replica.url}/v1/billing/stripe/webhook").status_code == 200
        wait_handled(one, 8)
        credited = owner.fetch("SELECT purchase_id, credited FROM token_ledger WHERE kind = 'package'")
        assert sorted((r["purchase_id"], r["credited"]) for r in credited) == sorted(
            (f"stripe:{sid}", 1000) for sid in sessions)
        assert owner.account()["usage"]["tokens_from_packages"] == 4000
        assert all(e["attempts"] == 1 for e in stripe_events(one))
    finally:
        one.stop()
        two.stop()


def test_an_edited_plan_reaches_the_shops_on_it(owner, fake_stripe):
    assert owner.account()["plan"]["in_force"]["max_tills"] == 1
    shops = owner.server.call(lambda _: admin.edit_plan(
        owner.server.app.state.billing, "gratis", {"max_tills": 2, "max_products": None}))
    assert shops >= 1
    plan = owner.account()["plan"]["in_force"]
    assert (plan["max_tills"], plan["max_products"]) == (2, None)
    rows = owner.fetch("SELECT body FROM changes WHERE entity = 'plan' ORDER BY seq DESC LIMIT 1")
    assert json.loads(rows[0]["body"])["payload"]["plan"]["max_tills"] == 2
    offer = owner.get("/v1/billing/plans").json()
    assert [p["code"] for p in offer["plans"]] == ["gratis", "changarrito", "tiendita"]
    assert [p["tokens"] for p in offer["token_packages"]] == [1000, 3000, 8000, 20000]
