"""Stripe's events after the nightly clean-up: a handled event deleted after 90 days and then
delivered again credits nothing twice (the handler re-reads Stripe and grants a purchase under
its own key), and an event older than the events kept is acknowledged and never stored."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from tests.support.billing import OwnerApi, stripe_events, wait_handled
from tests.support.fakes.stripe_api import FakeStripe
from tests.support.jobs import run_cleanup

pytestmark = pytest.mark.e2e


def _credits(owner: OwnerApi) -> list[tuple[str, int]]:
    return [(r["purchase_id"], r["credited"]) for r in owner.fetch(
        "SELECT purchase_id, credited FROM token_ledger WHERE kind = 'package' ORDER BY at")]


def _paid_package(owner: OwnerApi, fake: FakeStripe) -> tuple[str, dict]:
    started = owner.checkout(kind="tokens", package="tokens_3000")
    fake.complete_checkout(started["session_id"], "card")
    (completed,) = fake.events_of("checkout.session.completed")
    assert fake.deliver(completed).status_code == 200
    wait_handled(owner.server, 1)
    assert _credits(owner) == [(f"stripe:{started['session_id']}", 3000)]
    return started["session_id"], completed


def test_an_event_delivered_again_after_its_row_was_cleaned_credits_once(owner, fake_stripe):
    session_id, completed = _paid_package(owner, fake_stripe)
    owner.server.admin("UPDATE stripe_events SET received_at = now() - interval '100 days', "
                       "handled_at = now() - interval '100 days'")
    outcome = owner.server.call(run_cleanup)
    assert outcome.detail["stripe_events"] == 1
    assert stripe_events(owner.server) == []

    # The same event again (a replay, or a retry that was never going to come this late):
    # stored as new, handled, and the package is already granted.
    assert fake_stripe.deliver(completed).status_code == 200
    [again] = wait_handled(owner.server, 1)
    assert again["event_id"] == completed["id"]
    assert _credits(owner) == [(f"stripe:{session_id}", 3000)]
    assert owner.account()["usage"]["tokens_from_packages"] == 3000


def test_an_event_older_than_the_events_kept_is_acknowledged_and_dropped(owner, fake_stripe):
    started = owner.checkout(kind="tokens", package="tokens_1000")
    fake_stripe.complete_checkout(started["session_id"], "card")
    (completed,) = fake_stripe.events_of("checkout.session.completed")
    old = copy.deepcopy(completed)
    old["created"] -= int(timedelta(days=91).total_seconds())  # signed now, created 91 days ago
    assert fake_stripe.deliver(old).status_code == 200
    assert stripe_events(owner.server) == []
    assert _credits(owner) == []
    assert fake_stripe.deliver(completed).status_code == 200  # the same, as Stripe sends it
    wait_handled(owner.server, 1)
    assert _credits(owner) == [(f"stripe:{started['session_id']}", 1000)]
