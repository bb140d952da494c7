"""The server's copy of a record replaces the till's own, values and every field's stamp, even
when the till's stamps are newer (the server refused the edit that made them) and when the
copy is a tombstone."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pos_client.services import catalog_admin
from pos_client.services.catalog_admin import ProductDraft
from pos_client.store import schema
from pos_client.store.apply import put_server_copy
from pos_client.store.repositories import catalog
from shared.hlc import pack
from shared.ids import SERVER_WRITER, new_uuid7
from shared.sync.envelopes import make_change
from shared.sync.merge import record_fields
from shared.sync.payloads import ProductPayload
from shared.sync.protocol import ServerCopy

pytestmark = pytest.mark.unit

FAR_AHEAD = pack(4_000_000_000_000, 0)  # year 2096: newer than anything the copy holds
OTHER = uuid.UUID("00000000-0000-7000-8000-0000000000bb")


def _copy(payload: ProductPayload, *, deleted: bool) -> ServerCopy:
    base, later = pack(1_700_000_000_000, 0), pack(1_700_000_500_000, 3)
    stamps = {f: (base, SERVER_WRITER) for f in record_fields(ProductPayload)}
    stamps["price"] = (later, OTHER)  # another till's price edit
    if deleted:
        stamps["deleted"] = (later + 1, OTHER)
    newest = max(h for h, _ in stamps.values())
    record = make_change("product", payload, change_id=new_uuid7(), device_seq=0, hlc=newest,
                         created_at=datetime.now(UTC), op="delete" if deleted else "upsert")
    return ServerCopy(record=record, stamps=stamps)


def _stamps(till, product_id) -> tuple[int, str, dict | None, int]:
    with till.db.read() as conn:
        row = conn.execute(select(schema.products).where(
            schema.products.c.id == str(product_id))).one()
    return row.hlc, row.hlc_device, json.loads(row.field_stamps or "null"), row.deleted


@pytest.mark.parametrize("deleted", [False, True])
def test_the_servers_copy_replaces_a_newer_local_row(till, deleted):
    mine = catalog_admin.save_product(till, ProductDraft(name="Mío", price=900, cost=500,
                                                         barcodes=("750100",)), cashier_id=None)
    theirs = mine.model_copy(update={"name": "Del servidor", "price": 1_250, "cost": 700,
                                     "barcodes": ["750200"]})
    copy = _copy(theirs, deleted=deleted)
    refused = make_change("product", mine, change_id=new_uuid7(), device_seq=1, hlc=FAR_AHEAD,
                          created_at=datetime.now(UTC))
    with till.db.write() as conn:
        conn.execute(schema.products.update().where(schema.products.c.id == str(mine.id))
                     .values(hlc=FAR_AHEAD))  # as if the refused edit came from a fast clock
        assert put_server_copy(conn, refused, copy)
    with till.db.read() as conn:
        held = catalog.payload(conn, mine.id)
    assert held == theirs
    hlc, writer, fields, is_deleted = _stamps(till, mine.id)
    expected = {f: [h, str(w)] for f, (h, w) in copy.stamps.items()}
    assert (hlc, writer) == (max(h for h, _ in copy.stamps.values()), str(OTHER))
    assert fields == expected
    assert is_deleted == int(deleted)


def test_without_a_copy_the_row_stays_with_the_lowest_stamps(till):
    mine = catalog_admin.save_product(till, ProductDraft(name="Nuevo", price=900),
                                      cashier_id=None)
    refused = make_change("product", mine, change_id=new_uuid7(), device_seq=1, hlc=FAR_AHEAD,
                          created_at=datetime.now(UTC))
    with till.db.write() as conn:
        assert not put_server_copy(conn, refused, None)
        assert catalog.payload(conn, mine.id) == mine
    assert _stamps(till, mine.id)[:3] == (0, str(SERVER_WRITER), None)


def test_every_record_of_the_wire_can_be_replaced_by_the_servers_copy():
    from pos_client.store import apply
    from shared.sync.envelopes import ENTITIES

    assert set(apply._RECORD_TABLES) == {n for n, e in ENTITIES.items() if e.kind == "record"}
