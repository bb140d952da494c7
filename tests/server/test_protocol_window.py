"""What the server believes a version-3 till reads (sync_server/sync/compat.py) is what the
released version-3 models read (tests/support/protocol_v3), and today's wire only adds to
them what can be left out: a key with a default, an entity of its own, a value listed."""

from __future__ import annotations

import enum
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from shared.sync import envelopes as v4
from sync_server.sync import compat
from tests.support.protocol_v3 import envelopes as v3

pytestmark = pytest.mark.unit


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _models(a)]


def _values(annotation: Any) -> set[object]:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return {m.value for m in annotation}
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    return {v for a in typing.get_args(annotation) if not _models(a) for v in _values(a)}


def _shape(model: type[BaseModel]) -> dict[str, Any]:
    return {name: (_shape(subs[0]) if (subs := _models(f.annotation)) else None)
            for name, f in model.model_fields.items()}


def test_the_servers_idea_of_version_3_is_the_released_models():
    assert set(compat.V3_PAYLOADS) == set(v3.ENTITIES)
    for name, entity in v3.ENTITIES.items():
        assert compat.V3_PAYLOADS[name] == _shape(entity.payload), name


def _added_keys_have_defaults(old: type[BaseModel], new: type[BaseModel], where: str) -> None:
    for name, field in new.model_fields.items():
        if name not in old.model_fields:
            assert not field.is_required(), f"{where}.{name} is new and has no default"
            continue
        old_subs, new_subs = _models(old.model_fields[name].annotation), _models(field.annotation)
        if old_subs and new_subs:
            _added_keys_have_defaults(old_subs[0], new_subs[0], f"{where}.{name}")


def test_what_version_4_added_to_an_entity_version_3_reads_can_be_left_out():
    for name, entity in v3.ENTITIES.items():
        new = v4.ENTITIES[name]
        _added_keys_have_defaults(entity.payload, new.payload, name)
        assert set(new.change.model_fields) - set(entity.change.model_fields) <= {"fields"}


def test_every_value_version_3_does_not_know_is_listed():
    for name, entity in v3.ENTITIES.items():
        for key, field in entity.payload.model_fields.items():
            known = _values(field.annotation)
            now = _values(v4.ENTITIES[name].payload.model_fields[key].annotation)
            if now - known:
                assert compat.V3_VALUES.get((name, key)) == known, (name, key)


def test_a_change_version_3_cannot_read_is_left_out_and_a_new_key_dropped():
    status = {"change_id": "x", "device_seq": 0, "hlc": 1, "created_at": "t", "kind": "record",
              "entity": "order_status", "op": "upsert",
              "payload": {"id": "o", "status": "aceptado", "note": None, "changed_at": "t"}}
    assert compat.for_v3(status) is None
    assert compat.for_v3({**status, "entity": "stock_count"}) is None
    received = {**status, "fields": ["status"],
                "payload": {**status["payload"], "status": "recibido", "later": 1}}
    assert compat.for_v3(received) == {**status, "payload": {**status["payload"],
                                                              "status": "recibido"}}
    assert compat.needs_whole_record(received)
