"""The SQLite store: durability settings, schema upgrades in the field, atomic use cases."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from pos_client.services.sales import record_sale
from pos_client.services.till import Till
from pos_client.store.database import Database, StoreError
from pos_client.store.migrations import MIGRATIONS
from pos_client.store.repositories import catalog, facts, meta, outbox
from shared.errors import InsufficientPayment
from shared.sale import PaymentMethod, Tender
from tests.support.sales import ticket_for

pytestmark = pytest.mark.unit


def test_every_connection_is_durable_and_checks_foreign_keys(store):
    with store.read() as conn:
        settings = [conn.exec_driver_sql(f"PRAGMA {p}").scalar_one()
                    for p in ("journal_mode", "synchronous", "foreign_keys")]
    assert settings == ["wal", 2, 1]  # 2 = FULL


def test_new_store_is_at_the_latest_schema_version(store):
    assert store.schema_version() == len(MIGRATIONS)


def test_an_old_store_is_upgraded_keeping_its_data(tmp_path):
    path = tmp_path / "old.sqlite3"
    raw = sqlite3.connect(path)
    raw.executescript(MIGRATIONS[0] + "\nPRAGMA user_version = 1;")
    raw.execute("INSERT INTO meta VALUES ('device_id', 'abc')")
    raw.commit()
    raw.close()
    db = Database(path)
    try:
        assert db.schema_version() == len(MIGRATIONS)
        with db.read() as conn:
            assert meta.get(conn, "device_id") == "abc"
            assert conn.execute(text("SELECT count(*) FROM customers")).scalar_one() == 0
    finally:
        db.close()


def test_a_store_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "future.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    raw.close()
    with pytest.raises(StoreError) as err:
        Database(path)
    assert err.value.code == "store_too_new"
    assert "Actualiza" in err.value.message


def test_a_sale_writes_its_rows_folio_stock_and_outbox_together(stocked, device, small_catalog):
    coke = small_catalog[0]
    before = len(_pending(stocked))
    receipt = record_sale(Till(stocked, device), ticket_for(stocked, coke.barcode, 3),
                          [Tender(PaymentMethod.CASH, 10_000)])
    assert receipt.folio == f"{device.code}-000001"
    assert device.code.startswith("T")
    assert len(device.code) == 7
    assert receipt.change == 10_000 - 3 * coke.price
    with stocked.read() as conn:
        assert facts.sale_count(conn) == 1
        assert catalog.by_barcode(conn, coke.barcode).stock_milli == coke.initial_stock_milli - 3000
    pending = _pending(stocked)
    assert len(pending) == before + 1
    assert pending[-1].device_seq == pending[-2].device_seq + 1  # gapless
    assert str(receipt.sale_id) in pending[-1].body
    second = record_sale(Till(stocked, device), ticket_for(stocked, coke.barcode),
                         [Tender(PaymentMethod.CASH, coke.price)])
    assert second.folio == f"{device.code}-000002"


def test_a_refused_sale_writes_nothing(stocked, device, small_catalog):
    before = _snapshot(stocked)
    with pytest.raises(InsufficientPayment):
        record_sale(Till(stocked, device), ticket_for(stocked, small_catalog[0].barcode),
                    [Tender(PaymentMethod.CASH, 1)])
    assert _snapshot(stocked) == before


def test_a_failure_inside_the_transaction_rolls_back_sale_folio_and_outbox(
    stocked, device, small_catalog
):
    """If the outbox write fails, the sale must not exist without it (and vice versa)."""
    with stocked.write() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER boom BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk'); END")
    before = _snapshot(stocked)
    with pytest.raises(Exception, match="disk"):
        record_sale(Till(stocked, device), ticket_for(stocked, small_catalog[0].barcode),
                    [Tender(PaymentMethod.CASH, 100_000)])
    assert _snapshot(stocked) == before


def _pending(db: Database):
    with db.read() as conn:
        return outbox.pending(conn, 10_000)


def _snapshot(db: Database) -> tuple:
    with db.read() as conn:
        return (facts.sale_count(conn), meta.get_int(conn, "folio_last"),
                len(outbox.pending(conn, 10_000)),
                conn.execute(text("SELECT sum(qty_milli) FROM stock")).scalar_one())
