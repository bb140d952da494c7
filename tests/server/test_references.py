"""Finding 5: a fact naming a customer, product, sale or shift the shop does not have is
rejected, change by change; things made earlier in the same batch count as the shop's."""

from __future__ import annotations

import pytest

from shared.catalog import starter_product_id
from shared.ids import new_uuid7
from sync_server.services import shops
from tests.server.owner_api import HEADERS, auth, client
from tests.support.wire_changes import TillChanges

pytestmark = pytest.mark.e2e


@pytest.fixture
def shop_till(server, small_catalog):
    """A till paired with a shop that has only the small catalog."""
    mine = server.call(lambda pool: shops.create_shop(pool, "Mía", small_catalog))
    code = server.call(lambda pool: shops.create_pairing_code(pool, mine.tenant_id))
    with client(server.url) as api:
        device = api.post("/v1/devices/pair", json={"code": code.code, "device_name": "Caja"}).json()
    return device


def _push(server, device, changes) -> list[tuple[str, str | None]]:
    with client(server.url) as api:
        r = api.post("/v1/sync/push", headers={**HEADERS, **auth(device["credential"])},
                     json={"changes": [c.model_dump(mode="json") for c in changes]})
    assert r.status_code == 200, r.text
    return [(x["status"], x["code"]) for x in r.json()["results"]]


def test_facts_about_things_the_shop_does_not_have_are_rejected(server, shop_till, small_catalog):
    till = TillChanges(shop_till["device_code"])
    stranger, ghost_sale, ghost_shift, ghost_product = (new_uuid7() for _ in range(4))
    answers = _push(server, shop_till, [
        till.fiado_charge(stranger, 5_000),
        till.fiado_payment(stranger, 1_000),
        till.sale([(None, 2_000)], fiado_for=stranger),
        till.movement(ghost_product, 5_000),
        till.shift_close(ghost_shift),
        till.cash_movement(ghost_shift),
        till.sale([(None, 2_000)], shift_id=ghost_shift),
        till.change("fiado_charge", {"id": new_uuid7(), "customer_id": stranger, "amount": 10,
                                     "sale_id": ghost_sale,
                                     "charged_at": "2026-01-05T12:00:00+00:00"}),
    ])
    assert answers == [
        ("rejected", "unknown_customer"), ("rejected", "unknown_customer"),
        ("rejected", "unknown_customer"), ("rejected", "unknown_product"),
        ("rejected", "unknown_shift"), ("rejected", "unknown_shift"),
        ("rejected", "unknown_shift"), ("rejected", "unknown_customer"),
    ]
    assert server.admin("SELECT count(*) FROM fiado_charges")[0][0] == 0


def test_references_made_in_the_same_batch_or_before_are_the_shops(server, shop_till,
                                                                   small_catalog):
    till = TillChanges(shop_till["device_code"])
    customer, shift = new_uuid7(), new_uuid7()
    sale = till.sale([(None, 2_000)], fiado_for=customer, shift_id=shift)
    first = _push(server, shop_till, [
        till.fiado_charge(customer, 5_000),  # before its customer, in the same batch
        till.customer(customer_id=customer),
        till.shift_open(shift),
        sale,
        till.movement(starter_product_id(small_catalog[0].barcode), 5_000),
    ])
    later = _push(server, shop_till, [
        till.fiado_payment(customer, 1_000, shift_id=shift),
        till.change("fiado_charge", {"id": new_uuid7(), "customer_id": customer,
                                     "amount": 2_000, "sale_id": sale.payload.id,
                                     "charged_at": "2026-01-05T12:00:00+00:00"}),
        till.cash_movement(shift),
        till.shift_close(shift),
    ])
    assert {s for s, _ in first + later} == {"accepted"}


def test_a_fact_naming_what_a_refused_change_would_have_made_is_refused(server, shop_till):
    till = TillChanges(shop_till["device_code"])
    customer = new_uuid7()
    taken = till.sale([(None, 1_000)], folio="C1-1")
    again = till.sale([(None, 1_000)], folio="C1-1", fiado_for=customer)  # folio_taken
    answers = _push(server, shop_till, [till.customer(customer_id=customer), taken, again,
                                        till.change("fiado_charge", {
                                            "id": new_uuid7(), "customer_id": customer,
                                            "amount": 1_000, "sale_id": again.payload.id,
                                            "charged_at": "2026-01-05T12:00:00+00:00"})])
    assert answers == [("accepted", None), ("accepted", None), ("rejected", "folio_taken"),
                       ("rejected", "unknown_sale")]
