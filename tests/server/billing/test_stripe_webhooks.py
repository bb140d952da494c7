"""Stripe, through the real SDK against a local fake: subscriptions with a trial, the portal,
token packages and prepaid months by card or OXXO; webhooks verified, stored once, handled
once, whatever the duplicates, the order, or a forged signature."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest
import stripe

from shared.sync.payloads import PLAN_ID, PlanPayload
from sync_server import db
from tests.support.billing import OwnerApi, stripe_events, wait_handled
from tests.support.fakes.stripe_api import FakeStripe

pytestmark = pytest.mark.e2e


def _subscription(owner: OwnerApi) -> dict:
    rows = owner.fetch("SELECT * FROM subscriptions")
    return rows[0] if rows else {}


def _plan_records(owner: OwnerApi) -> list[PlanPayload]:
    """Every plan record the shop's change feed holds, oldest first (what tills receive)."""
    rows = owner.fetch("SELECT body FROM changes WHERE entity = 'plan' ORDER BY seq")
    return [PlanPayload.model_validate_json(json.dumps(json.loads(r["body"])["payload"]))
            for r in rows]


def _deliver_all(fake: FakeStripe) -> None:
    for event in list(fake.events):
        assert fake.deliver(event).status_code == 200


def _credits(owner: OwnerApi) -> list[tuple[str, int]]:
    """(purchase id, tokens) of every package the token meter credited (its ledger)."""
    return [(r["purchase_id"], r["credited"]) for r in owner.fetch(
        "SELECT purchase_id, credited FROM token_ledger WHERE kind = 'package' ORDER BY at")]


def _checkouts(owner: OwnerApi) -> dict[str, dict]:
    return {r["session_id"]: r for r in owner.fetch("SELECT * FROM billing_checkouts")}


def test_a_subscription_with_a_trial_then_the_portal(owner, fake_stripe):
    started = owner.checkout(kind="subscription", plan="changarrito")
    session = fake_stripe.objects[started["session_id"]]
    assert session["mode"] == "subscription"
    assert session["payment_method_types"] == ["card"]  # Stripe takes no OXXO for subscriptions
    assert session["_subscription_data"]["trial_period_days"] == "14"
    assert session["metadata"]["tenant_id"] == str(owner.tenant_id)
    assert started["url"].startswith(fake_stripe.url)
    price = fake_stripe.objects[session["_line_items"][0]["price"]]
    assert (price["unit_amount"], price["lookup_key"]) == (
        9900, "michangarrito_changarrito_mensual_mxn")

    fake_stripe.complete_checkout(started["session_id"])
    _deliver_all(fake_stripe)
    wait_handled(owner.server, 2)

    sub = _subscription(owner)
    assert (sub["plan_id"], sub["status"], sub["trial_used"]) == ("changarrito", "trial", True)
    account = owner.account()
    assert account["plan"]["status"] == "trial"
    assert account["plan"]["in_force"]["max_tills"] == 2
    assert account["plan"]["renews_at"] is not None
    assert _plan_records(owner)[-1].plan.code == "changarrito"

    portal = owner.post("/v1/billing/portal")
    assert portal.status_code == 200, portal.text
    assert portal.json()["url"].startswith(f"{fake_stripe.url}/portal/")
    # Once it ended, a second subscription checkout gets no second trial.
    sub_id = _subscription(owner)["stripe_subscription_id"]
    fake_stripe.update_subscription(sub_id, status="canceled", canceled_at=int(time.time()))
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    again = owner.checkout(kind="subscription", plan="tiendita")
    assert "trial_period_days" not in (fake_stripe.objects[again["session_id"]]
                                       ["_subscription_data"] or {})


def test_duplicated_deliveries_are_stored_once_and_credit_once(owner, fake_stripe):
    started = owner.checkout(kind="tokens", package="tokens_3000")
    fake_stripe.complete_checkout(started["session_id"], "card")
    (completed,) = fake_stripe.events_of("checkout.session.completed")
    for _ in range(3):
        assert fake_stripe.deliver(completed).status_code == 200
    events = wait_handled(owner.server, 1)
    assert events[0]["attempts"] == 1
    assert fake_stripe.deliver(completed).status_code == 200  # after handling, too
    assert len(stripe_events(owner.server)) == 1

    row = _checkouts(owner)[started["session_id"]]
    assert (row["status"], row["tokens"]) == ("paid", 3000)
    assert row["granted_at"] is not None
    assert owner.account()["usage"]["tokens_from_packages"] == 3000
    assert _credits(owner) == [(f"stripe:{started['session_id']}", 3000)]


def test_a_subscription_updated_after_it_was_deleted_stays_cancelled(owner, fake_stripe):
    started = owner.checkout(kind="subscription", plan="tiendita")
    fake_stripe.complete_checkout(started["session_id"])
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    sub_id = _subscription(owner)["stripe_subscription_id"]

    fake_stripe.update_subscription(sub_id, status="active")  # the trial ends, paid
    fake_stripe.update_subscription(sub_id, status="canceled", canceled_at=int(time.time()))
    updated = fake_stripe.events_of("customer.subscription.updated")[-1]
    deleted = fake_stripe.events_of("customer.subscription.deleted")[-1]
    assert updated["data"]["object"]["status"] == "active"
    fake_stripe.deliver(deleted)
    wait_handled(owner.server)
    fake_stripe.deliver(updated)  # late: its snapshot says active
    wait_handled(owner.server)

    sub = _subscription(owner)
    assert (sub["status"], sub["stripe_status"]) == ("cancelled", "canceled")
    account = owner.account()
    assert account["plan"]["status"] == "cancelled"
    assert account["plan"]["in_force"]["code"] == "gratis"
    assert not account["plan"]["paid_features"]
    assert _plan_records(owner)[-1].status == "cancelled"


def test_an_oxxo_voucher_is_pending_until_paid_then_credited_once(owner, fake_stripe):
    started = owner.checkout(kind="tokens", package="tokens_8000")
    assert fake_stripe.objects[started["session_id"]]["payment_method_types"] == ["card", "oxxo"]
    fake_stripe.complete_checkout(started["session_id"], "oxxo")
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    row = _checkouts(owner)[started["session_id"]]
    assert (row["status"], row["granted_at"]) == ("pending", None)
    assert owner.account()["usage"]["tokens_from_packages"] == 0
    assert _credits(owner) == []

    fake_stripe.pay_voucher(started["session_id"])
    succeeded = fake_stripe.events_of("checkout.session.async_payment_succeeded")[0]
    fake_stripe.deliver(succeeded)
    fake_stripe.deliver(succeeded)
    fake_stripe.deliver(fake_stripe.events_of("checkout.session.completed")[0])  # late, again
    wait_handled(owner.server, 2)
    row = _checkouts(owner)[started["session_id"]]
    assert row["status"] == "paid"
    assert owner.account()["usage"]["tokens_from_packages"] == 8000
    assert _credits(owner) == [(f"stripe:{started['session_id']}", 8000)]


def test_an_oxxo_voucher_that_expires_credits_nothing(owner, fake_stripe):
    started = owner.checkout(kind="tokens", package="tokens_1000")
    fake_stripe.complete_checkout(started["session_id"], "oxxo")
    fake_stripe.expire_voucher(started["session_id"])
    _deliver_all(fake_stripe)
    wait_handled(owner.server, 2)
    row = _checkouts(owner)[started["session_id"]]
    assert (row["status"], row["granted_at"]) == ("failed", None)
    assert owner.account()["usage"]["tokens_from_packages"] == 0
    assert _credits(owner) == []


def test_prepaid_months_by_oxxo_extend_the_paid_period(owner, fake_stripe):
    started = owner.checkout(kind="prepaid", plan="changarrito", months=3)
    assert started["amount"] == 3 * 9900
    fake_stripe.complete_checkout(started["session_id"], "oxxo")
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    assert owner.account()["plan"]["status"] == "gratis"  # a voucher is not a payment

    fake_stripe.pay_voucher(started["session_id"])
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    plan = owner.account()["plan"]
    assert (plan["status"], plan["in_force"]["code"], plan["paid_features"]) == (
        "prepaid", "changarrito", True)
    until = datetime.fromisoformat(plan["paid_until"])
    assert 88 <= (until - datetime.now(UTC)).days <= 92

    second = owner.checkout(kind="prepaid", plan="changarrito", months=1)
    fake_stripe.complete_checkout(second["session_id"], "card")
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    later = datetime.fromisoformat(owner.account()["plan"]["paid_until"])
    assert 27 <= (later - until).days <= 31  # added after the months already paid


@pytest.mark.parametrize("forgery", ["wrong_secret", "too_old", "missing", "tampered"])
def test_a_bad_signature_is_refused_and_changes_nothing(owner, fake_stripe, forgery):
    started = owner.checkout(kind="tokens", package="tokens_20000")
    fake_stripe.complete_checkout(started["session_id"], "card")
    (event,) = fake_stripe.events_of("checkout.session.completed")
    url = fake_stripe.webhook_url
    if forgery == "wrong_secret":
        r = fake_stripe.deliver(event, secret="whsec_someone_else")
    elif forgery == "too_old":
        r = fake_stripe.deliver(event, timestamp=int(time.time()) - 3600)
    elif forgery == "missing":
        r = httpx.post(url, content=json.dumps(event))
    else:  # a signature of the real body on another body
        header = stripe.WebhookSignature.generate_signature_header(json.dumps(event),
                                                                   fake_stripe.webhook_secret)
        forged = {**event, "id": "evt_forged"}
        r = httpx.post(url, content=json.dumps(forged), headers={"Stripe-Signature": header})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_signature"
    assert stripe_events(owner.server) == []
    assert _checkouts(owner)[started["session_id"]]["status"] == "open"
    assert owner.account()["usage"]["tokens_from_packages"] == 0


def test_unknown_events_are_acknowledged_and_ignored(owner, fake_stripe):
    event = {"id": "evt_unknown_1", "object": "event", "type": "customer.tax_id.created",
             "created": int(time.time()), "livemode": False, "api_version": "2026-10-28.endive",
             "data": {"object": {"id": "txi_1", "object": "tax_id"}}}
    r = fake_stripe.deliver(event)
    assert r.status_code == 200
    (stored,) = wait_handled(owner.server, 1)
    assert stored["outcome"] == "ignored"


def test_the_plan_record_reaches_the_feed_once_per_change(owner, fake_stripe):
    before = len(_plan_records(owner))
    started = owner.checkout(kind="subscription", plan="changarrito")
    fake_stripe.complete_checkout(started["session_id"])
    _deliver_all(fake_stripe)
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    records = _plan_records(owner)
    assert [r.status for r in records[before:]] == ["trial"]
    assert records[-1].id == PLAN_ID


def test_a_late_completed_after_the_voucher_was_paid_credits_nothing_more(owner, fake_stripe):
    """Both events re-read a paid session: the purchase is granted by whichever comes first."""
    started = owner.checkout(kind="tokens", package="tokens_1000")
    fake_stripe.complete_checkout(started["session_id"], "oxxo")
    fake_stripe.pay_voucher(started["session_id"])
    completed, succeeded = fake_stripe.events
    fake_stripe.deliver(succeeded)
    wait_handled(owner.server, 1)
    fake_stripe.deliver(completed)
    wait_handled(owner.server, 2)
    assert _credits(owner) == [(f"stripe:{started['session_id']}", 1000)]
    assert owner.account()["usage"]["tokens_from_packages"] == 1000


def test_a_shop_with_a_live_subscription_is_not_subscribed_twice(owner, fake_stripe):
    """Subscribing again (to change plan, or a second press) would make a second subscription
    that Stripe charges too: refused, and the owner is sent to the portal."""
    started = owner.checkout(kind="subscription", plan="changarrito")
    fake_stripe.complete_checkout(started["session_id"])
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    sessions = len(fake_stripe.sessions())

    r = owner.post("/v1/billing/checkout", json={"kind": "subscription", "plan": "tiendita"})
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "already_subscribed"
    assert "portal" in r.json()["message"]
    assert len(fake_stripe.sessions()) == sessions
    assert set(_checkouts(owner)) == {started["session_id"]}


def test_a_press_after_the_older_page_was_paid_is_refused_and_its_page_expired(owner, fake_stripe):
    """The first page was paid before its event arrived: the older session cannot be expired,
    so the new one is (else paying it would make a second subscription) and the owner is told."""
    first = owner.checkout(kind="subscription", plan="changarrito")
    fake_stripe.complete_checkout(first["session_id"])  # paid; its webhook not delivered yet
    r = owner.http.post("/v1/billing/checkout", json={"kind": "subscription", "plan": "tiendita"})
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "already_subscribed"
    (newest,) = [s for s in fake_stripe.sessions() if s["id"] != first["session_id"]]
    assert newest["status"] == "expired"
    with pytest.raises(ValueError, match="is expired"):
        fake_stripe.complete_checkout(newest["id"])


def test_two_quick_presses_of_subscribe_leave_one_session_that_can_be_paid(owner, fake_stripe):
    """Before any event arrives the shop has no live subscription, so both presses get a
    session: the older one is expired at Stripe, only the last one opened can be paid."""
    first = owner.checkout(kind="subscription", plan="changarrito")
    second = owner.checkout(kind="subscription", plan="tiendita")  # a change of mind
    assert fake_stripe.objects[first["session_id"]]["status"] == "expired"
    assert fake_stripe.objects[second["session_id"]]["status"] == "open"
    with pytest.raises(ValueError, match="is expired"):
        fake_stripe.complete_checkout(first["session_id"])
    statuses = {k: v["status"] for k, v in _checkouts(owner).items()}
    assert statuses == {first["session_id"]: "expired", second["session_id"]: "open"}

    fake_stripe.complete_checkout(second["session_id"])
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    assert (_subscription(owner)["plan_id"], _subscription(owner)["status"]) == (
        "tiendita", "trial")
    assert len([o for o in fake_stripe.objects.values() if o["object"] == "subscription"]) == 1


def test_a_subscriber_changes_plan_and_the_state_follows_stripes_event(owner, fake_stripe):
    started = owner.checkout(kind="subscription", plan="changarrito")
    fake_stripe.complete_checkout(started["session_id"])
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    assert _subscription(owner)["plan_id"] == "changarrito"
    seen = len(fake_stripe.events)

    r = owner.post("/v1/billing/plan", json={"plan": "tiendita"})
    assert r.status_code == 202, r.text
    assert "plan Tiendita" in r.json()["message"]
    (sub,) = [o for o in fake_stripe.objects.values() if o["object"] == "subscription"]
    price = sub["items"]["data"][0]["price"]
    assert (price["unit_amount"], price["lookup_key"]) == (
        19900, "michangarrito_tiendita_mensual_mxn")
    assert sub["_proration_behavior"] == "create_prorations"  # Stripe's default, not overridden
    assert _subscription(owner)["plan_id"] == "changarrito"  # until Stripe's event says so
    for event in fake_stripe.events[seen:]:
        assert fake_stripe.deliver(event).status_code == 200
    wait_handled(owner.server)
    assert _subscription(owner)["plan_id"] == "tiendita"
    assert _plan_records(owner)[-1].plan.code == "tiendita"

    again = owner.post("/v1/billing/plan", json={"plan": "tiendita"})
    assert (again.status_code, again.json()["code"]) == (409, "same_plan")


def test_without_a_live_subscription_there_is_no_plan_to_change(owner, fake_stripe):
    r = owner.post("/v1/billing/plan", json={"plan": "tiendita"})
    assert (r.status_code, r.json()["code"]) == (409, "not_subscribed")
    assert "Suscríbete" in r.json()["message"]


def test_a_late_event_of_an_ended_subscription_leaves_the_newer_one(owner, fake_stripe):
    """The shop cancelled one subscription and took another: an event of the old one that
    arrives late re-reads a cancelled subscription, which is not the shop's any more."""
    first = owner.checkout(kind="subscription", plan="changarrito")
    fake_stripe.complete_checkout(first["session_id"])
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    old_id = _subscription(owner)["stripe_subscription_id"]
    late = fake_stripe.update_subscription(old_id, status="active")  # its event comes late
    fake_stripe.update_subscription(old_id, status="canceled", canceled_at=int(time.time()))
    updated = fake_stripe.events_of("customer.subscription.updated")[-1]
    assert updated["data"]["object"]["id"] == late["id"]
    fake_stripe.deliver(fake_stripe.events_of("customer.subscription.deleted")[-1])
    wait_handled(owner.server)
    assert _subscription(owner)["status"] == "cancelled"

    seen = len(fake_stripe.events)
    second = owner.checkout(kind="subscription", plan="tiendita")
    fake_stripe.complete_checkout(second["session_id"])
    for event in fake_stripe.events[seen:]:
        fake_stripe.deliver(event)
    wait_handled(owner.server)
    new_id = _subscription(owner)["stripe_subscription_id"]
    assert new_id != old_id

    fake_stripe.deliver(updated)  # the old subscription's, days late
    wait_handled(owner.server)
    sub = _subscription(owner)
    assert (sub["stripe_subscription_id"], sub["plan_id"], sub["status"]) == (
        new_id, "tiendita", "active")
    plan = owner.account()["plan"]
    assert (plan["status"], plan["in_force"]["code"]) == ("active", "tiendita")
    assert _plan_records(owner)[-1].status == "active"


def test_prepaid_months_never_pay_twice_for_the_same_time(owner, fake_stripe):
    """Months of another plan would turn the months already paid into that plan's (one more
    month of Tiendita made twelve of Changarrito into Tiendita, or the reverse lost them), and
    months bought beside a live subscription would be charged twice: both refused."""
    started = owner.checkout(kind="prepaid", plan="changarrito", months=3)
    fake_stripe.complete_checkout(started["session_id"], "card")
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    assert owner.account()["plan"]["status"] == "prepaid"
    sessions = len(fake_stripe.sessions())

    r = owner.post("/v1/billing/checkout", json={"kind": "prepaid", "plan": "tiendita", "months": 1})
    assert (r.status_code, r.json()["code"]) == (409, "other_prepaid_plan"), r.text
    assert "Changarrito" in r.json()["message"]
    assert len(fake_stripe.sessions()) == sessions
    owner.checkout(kind="prepaid", plan="changarrito", months=1)  # the same plan: more months
    r = owner.post("/v1/billing/checkout", json={"kind": "subscription", "plan": "changarrito"})
    assert (r.status_code, r.json()["code"]) == (409, "prepaid_running"), r.text

    # Months bought beside a subscription (the prepaid ones over).
    owner.server.call(lambda pool: _prepaid_over(pool, owner))
    sub = owner.checkout(kind="subscription", plan="tiendita")
    fake_stripe.complete_checkout(sub["session_id"])
    _deliver_all(fake_stripe)
    wait_handled(owner.server)
    r = owner.post("/v1/billing/checkout", json={"kind": "prepaid", "plan": "tiendita", "months": 1})
    assert (r.status_code, r.json()["code"]) == (409, "already_subscribed"), r.text


async def _prepaid_over(pool, owner: OwnerApi) -> None:
    async with db.tenant_tx(pool, owner.tenant_id) as conn:
        await conn.execute("UPDATE subscriptions SET prepaid_until = now() - interval '1 day'")
