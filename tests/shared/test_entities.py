"""The wire's entity registry: one list, records before facts, and what each entity allows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import get_args

import pytest
from pydantic import TypeAdapter

from shared.ids import new_uuid7
from shared.sync.envelopes import ENTITIES, Change, in_apply_order, make_change
from shared.sync.payloads import CategoryPayload, OrderStatusPayload
from shared.sync.protocol import PushRequest

pytestmark = pytest.mark.unit

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

# The wire's names as docs/sync-protocol.md lists them: a rename here is a protocol change.
FACTS = {"sale", "sale_return", "inventory_movement", "fiado_charge", "fiado_payment",
         "cash_movement", "shift_open", "shift_close", "audit_event", "message_request", "order",
         "stock_count"}
RECORDS = {"product", "category", "customer", "cashier", "settings", "order_status",
           "stock_alert", "plan", "message_status"}


def test_the_registry_holds_every_entity_of_the_wire_once():
    assert set(ENTITIES) == FACTS | RECORDS
    assert len(ENTITIES) == 21
    assert {n for n, e in ENTITIES.items() if e.kind == "fact"} == FACTS
    union = get_args(get_args(Change)[0])
    assert [e.change for e in ENTITIES.values()] == list(union)


def test_records_come_before_facts():
    kinds = [e.kind for e in ENTITIES.values()]
    assert kinds == sorted(kinds, key=lambda k: k != "record")
    assert (kinds[0], kinds[-1]) == ("record", "fact")


def test_a_shift_opens_before_its_sales_and_closes_after_them():
    order = list(ENTITIES)
    assert order.index("shift_open") < order.index("sale") < order.index("sale_return")
    assert order.index("cash_movement") < order.index("shift_close")


def test_facts_are_inserted_and_records_upserted_or_deleted():
    for entity in ENTITIES.values():
        assert entity.ops == (("insert",) if entity.kind == "fact" else ("upsert", "delete"))
        assert entity.change.model_fields["kind"].default == entity.kind
        assert entity.change.model_fields["payload"].annotation is entity.payload


def test_every_envelope_reads_and_writes_its_fields_in_one_order():
    for entity in ENTITIES.values():
        named = ["fields"] if entity.kind == "record" else []  # a record edit names its fields
        assert list(entity.change.model_fields) == [
            "change_id", "device_seq", "hlc", "created_at", "kind", "entity", "op", "payload",
            *named]


def test_apply_order_takes_the_registrys_order_whatever_the_maps_order():
    backwards = {name: i for i, name in enumerate(reversed(list(ENTITIES)))}
    assert list(in_apply_order(backwards)) == list(ENTITIES)
    assert in_apply_order(backwards) == backwards


@pytest.mark.parametrize("change", [
    lambda m: {k: v for k, v in m.items() if k != "sale"},
    lambda m: {**m, "refund": 0},
])
def test_an_applier_map_that_does_not_match_the_wire_is_refused(change):
    complete = dict.fromkeys(ENTITIES, 0)
    with pytest.raises(LookupError):
        in_apply_order(change(complete))


def test_make_change_builds_the_entitys_envelope_with_its_usual_op():
    payload = CategoryPayload(id=uuid.uuid4(), name="Bebidas")
    change = make_change("category", payload, change_id=new_uuid7(), device_seq=1, hlc=5,
                         created_at=NOW)
    assert type(change) is ENTITIES["category"].change
    assert (change.kind, change.op) == ("record", "upsert")
    again = PushRequest.model_validate_json(PushRequest(changes=[change]).model_dump_json())
    assert again.changes == [change]
    deleted = make_change("category", payload, change_id=new_uuid7(), device_seq=2, hlc=6,
                          created_at=NOW, op="delete")
    assert deleted.op == "delete"


def test_make_change_refuses_another_entitys_payload_or_op():
    category = CategoryPayload(id=uuid.uuid4(), name="Bebidas")
    status = OrderStatusPayload(id=uuid.uuid4(), status="listo", changed_at=NOW)
    with pytest.raises(TypeError):
        make_change("category", status, change_id=new_uuid7(), device_seq=1, hlc=1,
                    created_at=NOW)
    with pytest.raises(ValueError, match="cannot be 'insert'"):
        make_change("category", category, change_id=new_uuid7(), device_seq=1, hlc=1,
                    created_at=NOW, op="insert")
    with pytest.raises(KeyError):
        make_change("categoria", category, change_id=new_uuid7(), device_seq=1, hlc=1,
                    created_at=NOW)


def test_an_entity_name_the_registry_does_not_know_is_refused_on_the_wire():
    body = {"change_id": str(new_uuid7()), "device_seq": 1, "hlc": 1,
            "created_at": NOW.isoformat(), "kind": "record", "entity": "categoria",
            "op": "upsert", "payload": {"id": str(uuid.uuid4()), "name": "Bebidas"}}
    with pytest.raises(ValueError, match="does not match any of the expected tags"):
        TypeAdapter(Change).validate_python(body)
