"""Customers pay their fiado through the shop's own provider: MercadoPago (its SDK against a
local fake), Stripe and Clip. A payment becomes one abono on the server and on the paired
till however many notifications say so; the customer gets a receipt on WhatsApp; a refund
or a chargeback is a fact of its own; forged notifications change nothing; a notification
delivered again after the clean-up deleted its row is still one abono."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from pos_client.services import accounts
from pos_client.services.till import Till
from sync_server.billing import pay_events
from tests.support.billing import OwnerApi, sign_up
from tests.support.client import PosDevice, pair
from tests.support.fakes.clip_api import FakeClip
from tests.support.fakes.graph import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph
from tests.support.fakes.mercadopago_api import FakeMercadoPago
from tests.support.fakes.stripe_api import FakeStripe
from tests.support.jobs import run_cleanup
from tests.support.server import ServerHarness
from tests.support.wait import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def providers() -> Iterator[dict[str, Any]]:
    found = {"mp": FakeMercadoPago().start(), "stripe": FakeStripe().start(),
             "clip": FakeClip().start(), "graph": FakeGraph().start()}
    yield found
    for fake in found.values():
        fake.stop()


def _harness(database_url: str, providers: dict[str, Any]) -> ServerHarness:
    return ServerHarness(
        database_url, mercadopago_api_base=providers["mp"].url, clip_api_base=providers["clip"].url,
        stripe_api_base=providers["stripe"].url, billing_poll_s=0.05, billing_retry_base_s=0.05,
        whatsapp_token=TOKEN, whatsapp_phone_number_id=PHONE_NUMBER_ID,
        whatsapp_api_url=providers["graph"].url, whatsapp_api_version=VERSION,
        whatsapp_poll_s=0.05).start()


@pytest.fixture
def server(database_url, providers) -> Iterator[ServerHarness]:
    harness = _harness(database_url, providers)
    yield harness
    harness.stop()


@pytest.fixture
def replica(database_url, providers, server) -> Iterator[ServerHarness]:
    """A second server process on the same database: its billing worker takes events too."""
    harness = _harness(database_url, providers)
    yield harness
    harness.stop()


@pytest.fixture
def owner(server) -> Iterator[OwnerApi]:
    api = sign_up(server)
    yield api
    api.http.close()


@pytest.fixture
def till(owner, new_device) -> PosDevice:
    pos = new_device("caja-1")
    pair(pos, owner.server.url, owner.post("/v1/account/pairing-codes").json()["code"], "Caja 1")
    return pos


def _connect(owner: OwnerApi, kind: str, **secrets: str) -> None:
    r = owner.http.put(f"/v1/account/integrations/{kind}", json={"secrets": secrets})
    assert r.status_code == 200, r.text
    assert all(v.startswith("••••") for v in r.json()["secrets"].values())


def _customer_owing(pos: PosDevice, owed: str = "350.00") -> uuid.UUID:
    till = Till(pos.db, pos.device)
    customer = accounts.save_customer(till, accounts.CustomerDraft(
        "Guadalupe Hernández", "55 1234 5678", "1000", opening_balance=owed))
    assert pos.agent.sync_once().pending == 0
    return customer.id


def _link(owner: OwnerApi, customer_id: uuid.UUID, amount: int) -> dict[str, Any]:
    r = owner.post("/v1/account/pay-links", json={"customer_id": str(customer_id), "amount": amount})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _paid_by_card_on_the_shops_stripe(owner: OwnerApi, till: PosDevice, stripe_fake: FakeStripe
                                      ) -> tuple[uuid.UUID, str]:
    """A customer owing $500 pays a $300 link by card on the shop's own Stripe (its events not
    delivered yet); the customer and the payment intent."""
    _connect(owner, "stripe_shop", secret_key=stripe_fake.api_key,
             webhook_secret=stripe_fake.webhook_secret)
    customer_id = _customer_owing(till, "500.00")
    _link(owner, customer_id, 30_000)
    (session,) = stripe_fake.sessions()
    return customer_id, stripe_fake.complete_checkout(session["id"], "card")["payment_intent"]


def _server_abonos(owner: OwnerApi) -> list[dict[str, Any]]:
    return owner.fetch("SELECT amount, method, reference, device_id FROM fiado_payments "
                       "ORDER BY paid_at")


def _events_handled(owner: OwnerApi, count: int) -> None:
    def done() -> bool:
        rows = owner.fetch("SELECT handled_at FROM pay_events")
        return len(rows) == count and all(r["handled_at"] for r in rows)

    wait_until(done, timeout=20, what="payment notifications handled")


def _balance(pos: PosDevice, customer_id: uuid.UUID) -> int:
    pos.agent.sync_once()
    return accounts.account(Till(pos.db, pos.device), customer_id).balance


def test_a_mercadopago_payment_notified_twice_is_one_abono_on_server_and_till(owner, till,
                                                                             providers):
    mp, graph = providers["mp"], providers["graph"]
    _connect(owner, "mercadopago", access_token=mp.access_token, webhook_secret=mp.secret)
    customer_id = _customer_owing(till)
    link = _link(owner, customer_id, 20_000)
    assert (link["provider"], link["methods"]) == ("mercadopago", ["card", "oxxo"])
    assert link["url"].startswith(mp.url)
    assert "tarjeta u OXXO" in link["message"]
    (pref,) = mp.preferences.values()
    assert pref["items"][0]["unit_price"] == 200.0  # decimal pesos on MercadoPago's wire
    assert pref["external_reference"] == link["link_id"]
    assert mp.idempotency_keys == [f"link-{link['link_id']}"]

    payment_id = mp.pay(pref["id"], "card")
    first = mp.notify(payment_id, "payment.created", notification_id=5551)
    again = mp.notify(payment_id, "payment.created", notification_id=5551)  # MP's retry
    assert (first.status_code, again.status_code) == (200, 200)
    mp.notify(payment_id, "payment.updated")  # another notification of the same payment
    _events_handled(owner, 2)

    abonos = _server_abonos(owner)
    assert [(a["amount"], a["method"], a["reference"], a["device_id"]) for a in abonos] == [
        (20_000, "tarjeta", f"Mercado Pago {payment_id}", None)]
    assert _balance(till, customer_id) == 35_000 - 20_000
    with till.db.read() as conn:
        rows = conn.exec_driver_sql("SELECT amount, method, reference, device_id "
                                    "FROM fiado_payments").all()
    assert [tuple(r) for r in rows] == [(20_000, "tarjeta", f"Mercado Pago {payment_id}", None)]

    wait_until(lambda: len(graph.sent()) == 1, timeout=15, what="the receipt sent")
    receipt = graph.sent()[0].body
    assert receipt["to"] == "525512345678"
    assert "recibió tu pago de $200.00" in receipt["text"]["body"]
    assert "Tu saldo ahora es $150.00" in receipt["text"]["body"]


def test_a_notification_replayed_after_the_cleanup_is_still_one_abono(owner, till, providers):
    mp, graph = providers["mp"], providers["graph"]
    _connect(owner, "mercadopago", access_token=mp.access_token, webhook_secret=mp.secret)
    customer_id = _customer_owing(till)
    _link(owner, customer_id, 20_000)
    (pref,) = mp.preferences.values()
    payment_id = mp.pay(pref["id"], "card")
    assert mp.notify(payment_id, "payment.created", notification_id=7001).status_code == 200
    _events_handled(owner, 1)
    assert len(_server_abonos(owner)) == 1
    wait_until(lambda: len(graph.sent()) == 1, timeout=15, what="the receipt sent")

    owner.server.admin("UPDATE pay_events SET received_at = now() - interval '100 days', "
                       "handled_at = now() - interval '100 days'")
    assert owner.server.call(run_cleanup).detail["pay_events"] == 1
    assert owner.fetch("SELECT event_key FROM pay_events") == []
    # The same notification again: stored as new and handled, but the payment is one abono
    # (pay_payments keeps the provider's payment id for good).
    assert mp.notify(payment_id, "payment.created", notification_id=7001).status_code == 200
    _events_handled(owner, 1)
    assert [a["amount"] for a in _server_abonos(owner)] == [20_000]
    assert _balance(till, customer_id) == 35_000 - 20_000
    sender = owner.server.app.state.sender
    assert owner.server.call(lambda _pool: sender.run_once()) == 0  # no second receipt queued
    assert len(graph.sent()) == 1


def test_an_oxxo_ticket_pays_when_approved_and_a_refund_is_its_own_fact(owner, till, providers):
    mp = providers["mp"]
    _connect(owner, "mercadopago", access_token=mp.access_token, webhook_secret=mp.secret)
    customer_id = _customer_owing(till, "500.00")
    link = _link(owner, customer_id, 30_000)
    (pref,) = mp.preferences.values()
    payment_id = mp.pay(pref["id"], "oxxo", status="pending")
    mp.notify(payment_id, "payment.created")
    _events_handled(owner, 1)
    assert _server_abonos(owner) == []  # a ticket is not a payment yet

    mp.approve(payment_id)
    mp.notify(payment_id)
    _events_handled(owner, 2)
    assert [(a["amount"], a["method"]) for a in _server_abonos(owner)] == [(30_000, "transferencia")]
    assert owner.fetch("SELECT status FROM pay_links")[0]["status"] == "paid"

    mp.refund(payment_id, 100.0)  # a partial refund, then the rest as a chargeback
    mp.notify(payment_id)
    mp.charge_back(payment_id)
    mp.notify(payment_id)
    mp.notify(payment_id)
    _events_handled(owner, 5)
    reversals = owner.fetch("SELECT kind, amount FROM pay_reversals ORDER BY at, kind")
    assert sorted((r["kind"], r["amount"]) for r in reversals) == [("chargeback", 20_000),
                                                                   ("refund", 10_000)]
    abonos = _server_abonos(owner)
    assert [(a["amount"], a["reference"]) for a in abonos] == [(30_000, f"Mercado Pago {payment_id}")]
    charges = owner.fetch("SELECT amount, note FROM fiado_charges WHERE note LIKE '%en línea%' "
                          "ORDER BY amount")
    assert [c["amount"] for c in charges] == [10_000, 20_000]
    assert _balance(till, customer_id) == 50_000  # owed again what was given back
    assert link["link_id"]


def test_a_forged_mercadopago_notification_stores_nothing(owner, till, providers):
    mp = providers["mp"]
    _connect(owner, "mercadopago", access_token=mp.access_token, webhook_secret=mp.secret)
    customer_id = _customer_owing(till)
    _link(owner, customer_id, 10_000)
    (pref,) = mp.preferences.values()
    payment_id = mp.pay(pref["id"], "card")
    r = mp.notify(payment_id, secret="not-the-shops-secret")
    assert (r.status_code, r.json()["code"]) == (400, "invalid_signature")
    target = pref["notification_url"].split("?")[0]
    wrong_token = target.rsplit("/", 1)[0] + "/" + "0" * 32
    r = mp.notify(payment_id, url=wrong_token)
    assert r.status_code == 404
    assert owner.fetch("SELECT * FROM pay_events") == []
    assert _server_abonos(owner) == []


def test_a_stripe_link_paid_by_oxxo_and_a_clip_link_confirmed_by_lookup(owner, till, providers):
    stripe_fake, clip = providers["stripe"], providers["clip"]
    _connect(owner, "stripe_shop", secret_key=stripe_fake.api_key,
             webhook_secret=stripe_fake.webhook_secret)
    customer_id = _customer_owing(till, "800.00")
    link = _link(owner, customer_id, 25_000)
    assert link["provider"] == "stripe"
    (session,) = stripe_fake.sessions()
    assert session["payment_method_types"] == ["card", "oxxo"]
    stripe_fake.complete_checkout(session["id"], "oxxo")
    stripe_fake.pay_voucher(session["id"])
    hook = link_hook(owner, "stripe")
    for event in stripe_fake.events:
        assert stripe_fake.deliver(event, hook).status_code == 200
    _events_handled(owner, 2)
    # Cash at an OXXO reaches the shop's account as a transfer, as with Mercado Pago.
    assert [(a["amount"], a["method"]) for a in _server_abonos(owner)] == [(25_000, "transferencia")]

    owner.http.delete("/v1/account/integrations/stripe_shop")
    _connect(owner, "clip", api_key="clip-api-key-fake", secret_key="clip-secret-key-fake")
    clip_link = _link(owner, customer_id, 5_000)
    assert (clip_link["provider"], clip_link["methods"]) == ("clip", ["card"])
    (request_id,) = clip.links
    # Clip signs nothing: a notification claiming "COMPLETED" is looked up, and Clip says no.
    assert clip.notify(request_id, status="COMPLETED").status_code == 200
    _events_handled(owner, 3)
    assert [a["amount"] for a in _server_abonos(owner)] == [25_000]
    clip.complete(request_id)
    clip.notify(request_id)
    _events_handled(owner, 4)
    assert sorted(a["amount"] for a in _server_abonos(owner)) == [5_000, 25_000]
    assert _balance(till, customer_id) == 80_000 - 30_000


def test_a_stripe_refund_and_dispute_are_facts_of_their_own_once(owner, till, providers):
    stripe_fake: FakeStripe = providers["stripe"]
    customer_id, intent = _paid_by_card_on_the_shops_stripe(owner, till, stripe_fake)
    hook = link_hook(owner, "stripe")
    # The refund's event arrives before the payment's: read back later, it is not lost.
    stripe_fake.refund(intent, 10_000)
    (refunded,) = stripe_fake.events_of("charge.refunded")
    assert stripe_fake.deliver(refunded, hook).status_code == 200
    _events_handled(owner, 1)
    assert owner.fetch("SELECT * FROM pay_reversals") == []
    (event,) = owner.fetch("SELECT outcome, attempts FROM pay_events")
    assert event["attempts"] == pay_events.REVERSAL_ATTEMPTS  # then set aside, not for ever
    assert event["outcome"].endswith("never became an abono (given up after 5 attempts)")
    (completed,) = stripe_fake.events_of("checkout.session.completed")
    assert stripe_fake.deliver(completed, hook).status_code == 200
    _events_handled(owner, 2)
    stripe_fake.dispute(intent)
    (disputed,) = stripe_fake.events_of("charge.dispute.created")
    for _ in range(2):  # Stripe's retry of the same event, and the refund's event again
        assert stripe_fake.deliver(disputed, hook).status_code == 200
        assert stripe_fake.deliver(refunded, hook).status_code == 200
    _events_handled(owner, 3)

    assert [(a["amount"], a["method"]) for a in _server_abonos(owner)] == [(30_000, "tarjeta")]
    reversals = owner.fetch("SELECT kind, amount, reversal_ref FROM pay_reversals")
    assert sorted((r["kind"], r["amount"]) for r in reversals) == [("chargeback", 20_000),
                                                                   ("refund", 10_000)]
    charges = owner.fetch("SELECT amount, note FROM fiado_charges WHERE note LIKE '%en línea%' "
                          "ORDER BY amount")
    assert [(c["amount"], c["note"]) for c in charges] == [
        (10_000, f"Reembolso del pago en línea Stripe {intent}"),
        (20_000, f"Contracargo del pago en línea Stripe {intent}")]
    assert _balance(till, customer_id) == 50_000  # owed again what was given back


def test_a_refund_handled_while_another_replica_records_its_abono_is_retried(
        owner, till, providers, replica):
    stripe_fake: FakeStripe = providers["stripe"]
    customer_id, intent = _paid_by_card_on_the_shops_stripe(owner, till, stripe_fake)
    hook = link_hook(owner, "stripe")
    # One replica reads the paid session (no refund yet) and is slow to record its abono…
    held, release = stripe_fake.hold_next_listing("dispute")
    (completed,) = stripe_fake.events_of("checkout.session.completed")
    assert stripe_fake.deliver(completed, hook).status_code == 200
    assert held.wait(20)
    # …while the shop refunds and the other replica handles the refund's event.
    stripe_fake.refund(intent, 10_000)
    (refunded,) = stripe_fake.events_of("charge.refunded")
    assert stripe_fake.deliver(refunded, hook).status_code == 200
    wait_until(lambda: owner.fetch(
        "SELECT 1 FROM pay_events WHERE event_key = $1 AND attempts >= 1 AND "
        "(handled_at IS NOT NULL OR last_error IS NOT NULL)", refunded["id"]),
        timeout=20, what="the refund's event tried once")
    release.set()
    _events_handled(owner, 2)

    assert [a["amount"] for a in _server_abonos(owner)] == [30_000]
    reversals = owner.fetch("SELECT kind, amount FROM pay_reversals")
    assert [(r["kind"], r["amount"]) for r in reversals] == [("refund", 10_000)]
    (event,) = owner.fetch("SELECT outcome, attempts FROM pay_events WHERE event_key = $1",
                           refunded["id"])
    assert event["outcome"].endswith("refund $100.00")
    assert event["attempts"] >= 2
    assert _balance(till, customer_id) == 50_000 - 30_000 + 10_000


def test_a_clip_refund_notified_is_its_own_fact_once(owner, till, providers):
    clip = providers["clip"]
    _connect(owner, "clip", api_key="clip-api-key-fake", secret_key="clip-secret-key-fake")
    customer_id = _customer_owing(till, "500.00")
    _link(owner, customer_id, 30_000)
    (request_id,) = clip.links
    clip.complete(request_id)
    clip.notify(request_id)
    _events_handled(owner, 1)
    clip.refund(request_id, 100.0)  # a partial refund, then the rest
    for status in ("CREATED", "APPROVED", "APPROVED"):  # Clip's notices of the refund
        assert clip.notify(request_id, resource="REFUND", status=status).status_code == 200
    _events_handled(owner, 4)
    clip.refund(request_id, 200.0)
    clip.notify(request_id, resource="REFUND", status="APPROVED")
    clip.notify(request_id)  # a late checkout notice changes nothing
    _events_handled(owner, 6)

    assert [a["amount"] for a in _server_abonos(owner)] == [30_000]
    reversals = owner.fetch("SELECT kind, amount FROM pay_reversals ORDER BY at")
    assert [(r["kind"], r["amount"]) for r in reversals] == [("refund", 10_000),
                                                            ("refund", 20_000)]
    charges = owner.fetch("SELECT amount, note FROM fiado_charges WHERE note LIKE '%en línea%' "
                          "ORDER BY amount")
    assert [c["amount"] for c in charges] == [10_000, 20_000]
    assert all(c["note"].startswith("Reembolso del pago en línea Clip") for c in charges)
    assert _balance(till, customer_id) == 50_000


def link_hook(owner: OwnerApi, provider: str) -> str:
    """The shop's notification address for ``provider`` (what the owner pastes in the
    provider's dashboard; MercadoPago and Clip receive it with each link)."""
    r = owner.get("/v1/account/integrations")
    hooks = {h["provider"]: h["url"] for h in r.json()["webhooks"]}
    return hooks[provider]


def test_a_shop_without_a_provider_gets_a_plain_answer(owner, till):
    customer_id = _customer_owing(till)
    r = owner.post("/v1/account/pay-links", json={"customer_id": str(customer_id), "amount": 100})
    assert (r.status_code, r.json()["code"]) == (409, "payments_not_connected")
    assert "Conéctalo en Cuenta en línea" in r.json()["message"]
    r = owner.post("/v1/account/pay-links", json={"customer_id": str(uuid.uuid4()), "amount": 100})
    assert (r.status_code, r.json()["code"]) == (409, "unknown_customer")
