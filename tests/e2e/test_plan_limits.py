"""Plans never stop the counter: after a downgrade the tills already paired keep selling and
syncing while no new till pairs; a till offline ten days into a past-due period sells and
syncs when back, and knows from its last plan record that the paid features are off."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from pos_client.services.plan import known_plan
from pos_client.services.sales import record_sale
from pos_client.services.till import Till
from pos_client.store.repositories import facts
from pos_client.sync.client import SyncClient, SyncRefused
from shared.clock import utc_now
from shared.sale import PaymentMethod, Tender
from shared.tax import IvaRate
from shared.ticket import Ticket, TicketLine
from sync_server import db
from sync_server.billing import limits, plan_state
from tests.support.billing import OwnerApi, deliver_all, sign_up, stripe_server, wait_handled
from tests.support.client import PosDevice, pair
from tests.support.fakes.stripe_api import FakeStripe

pytestmark = pytest.mark.e2e


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def server(database_url, fake_stripe):
    with stripe_server(database_url, fake_stripe) as harness:
        yield harness


@pytest.fixture
def owner(server) -> Iterator[OwnerApi]:
    api = sign_up(server)
    yield api
    api.http.close()


def _subscribe(owner: OwnerApi, fake: FakeStripe, plan: str) -> str:
    started = owner.checkout(kind="subscription", plan=plan)
    fake.complete_checkout(started["session_id"])
    deliver_all(fake)
    wait_handled(owner.server)
    return str(owner.fetch("SELECT stripe_subscription_id FROM subscriptions")[0]
               ["stripe_subscription_id"])


def _pair_till(owner: OwnerApi, pos: PosDevice, name: str) -> None:
    r = owner.post("/v1/account/pairing-codes")
    assert r.status_code == 201, r.text
    pair(pos, owner.server.url, r.json()["code"], name)


def _sell(pos: PosDevice, amount: int = 2_500) -> None:
    ticket = Ticket()
    ticket.add(TicketLine(None, "Varios", amount, 1000, IvaRate.GENERAL))
    record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, amount)])


def _sales_seen(pos: PosDevice) -> int:
    with pos.db.read() as conn:
        return len(facts.recent_sales(conn, pos.device.device_id))


def test_a_downgrade_keeps_paired_tills_selling_and_pairs_no_new_one(owner, fake_stripe,
                                                                     new_device):
    sub_id = _subscribe(owner, fake_stripe, "tiendita")
    tills = [new_device(f"caja-{i}") for i in range(1, 4)]
    for i, pos in enumerate(tills, start=1):
        _pair_till(owner, pos, f"Caja {i}")
    spare = owner.post("/v1/account/pairing-codes").json()["code"]  # made before the downgrade

    fake_stripe.update_subscription(sub_id, status="canceled", canceled_at=int(time.time()))
    deliver_all(fake_stripe)
    wait_handled(owner.server)
    assert owner.account()["plan"]["in_force"]["code"] == "gratis"

    for pos in tills:  # three tills on a one-till plan: each sells and syncs as before
        _sell(pos)
        assert pos.agent.sync_once().pending == 0
    for pos in tills:
        pos.agent.sync_once()
        assert _sales_seen(pos) == 3
        known = known_plan(pos.till)
        assert known is not None
        assert (known.record.status, known.force.limits.code) == ("cancelled", "gratis")

    refused = owner.post("/v1/account/pairing-codes")
    assert refused.status_code == 409
    assert refused.json()["code"] == "plan_till_limit"
    assert "Tu plan Gratis permite 1 caja y ya tienes 3 vinculadas" in refused.json()["message"]
    client = SyncClient(owner.server.url)
    try:
        with pytest.raises(SyncRefused) as late:
            client.pair(spare, "Caja 4")
    finally:
        client.close()
    assert late.value.code == "plan_till_limit"

    devices = owner.get("/v1/account/devices").json()
    for device in devices[:2]:
        assert owner.post(f"/v1/account/devices/{device['device_id']}/revoke").status_code == 200
    assert owner.post("/v1/account/pairing-codes").status_code == 409  # 1 of 1: still full
    owner.post(f"/v1/account/devices/{devices[2]['device_id']}/revoke")
    _pair_till(owner, new_device("caja-nueva"), "Caja nueva")


def test_a_till_offline_ten_days_while_past_due_sells_and_syncs_when_back(owner, fake_stripe,
                                                                          new_device):
    sub_id = _subscribe(owner, fake_stripe, "changarrito")
    fake_stripe.invoice(sub_id, paid=True)
    deliver_all(fake_stripe)
    wait_handled(owner.server)
    a, b = new_device("caja-1"), new_device("caja-2")
    _pair_till(owner, a, "Caja 1")
    _pair_till(owner, b, "Caja 2")

    fake_stripe.invoice(sub_id, paid=False)  # the renewal fails: past due
    deliver_all(fake_stripe)
    wait_handled(owner.server)
    for pos in (a, b):
        pos.agent.sync_once()
    plan = owner.account()["plan"]
    assert (plan["status"], plan["paid_features"], plan["in_force"]["code"]) == (
        "past_due", True, "changarrito")

    # Caja 2 goes offline; ten days later it is still selling, on its own clock.
    till_b = Till(b.db, b.device, now=lambda: utc_now() + timedelta(days=10))
    known = known_plan(till_b)
    assert known is not None
    assert (known.force.status, known.force.paid_features, known.force.limits.code) == (
        "past_due", False, "gratis")
    assert "Vender, fiar, cortes, reportes y respaldos siguen igual" in known.force.note
    for _ in range(5):
        _sell(b)

    # Meanwhile the server's ten days pass too (the failure is dated ten days back).
    async def ten_days_later(pool: db.Pool) -> None:
        async with db.tenant_tx(pool, owner.tenant_id) as conn:
            await conn.execute("UPDATE subscriptions SET past_due_since = now() - interval '10 days'")
            await plan_state.publish(conn, owner.tenant_id, grace_days=7)

    owner.server.call(ten_days_later)
    assert owner.account()["plan"]["paid_features"] is False
    assert owner.server.call(lambda pool: limits.bot_allowed(pool, owner.tenant_id)) is False
    assert owner.post("/v1/account/pairing-codes").json()["code"] == "plan_till_limit"

    assert b.agent.sync_once().pending == 0  # back online: every sale accepted
    _sell(a)
    assert a.agent.sync_once().pending == 0
    b.agent.sync_once()
    assert _sales_seen(b) == 6
    assert owner.server.admin("SELECT count(*) AS n FROM sales")[0]["n"] == 6
    known = known_plan(b.till)
    assert known is not None
    assert known.force.paid_features is False
