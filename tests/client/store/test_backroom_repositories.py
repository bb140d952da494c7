"""The back room's repositories on a real SQLite store: who owns a barcode, inactive products,
starter products already present (in chunks past SQLite's parameter batches), departments, owners."""

from __future__ import annotations

import pytest

from pos_client.services import catalog_admin
from pos_client.services.catalog_admin import ProductDraft
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.repositories import cashiers, departments, product_records
from shared.catalog import StarterProduct, starter_product_id
from shared.permissions import Role
from shared.tax import IvaRate
from tests.support.builders import cashier

pytestmark = pytest.mark.unit

COCA = "7501055300075"  # «Coca-Cola 600 ml» in the small starter catalog


def test_a_barcode_belongs_to_the_active_product_that_answers_to_it(stocked: Database, till: Till) -> None:
    off = catalog_admin.save_product(till, ProductDraft(name="Coca vieja", price=100, barcodes=("999",),
                                                        active=False), None)
    with till.db.read() as tx:
        assert product_records.barcode_owners(tx, [COCA, "999", "nadie"]) == {COCA: "Coca-Cola 600 ml"}
        coca_id = next(p.id for p in product_records.all_payloads(tx) if COCA in p.barcodes)
        assert product_records.barcode_owners(tx, [COCA], exclude=coca_id) == {}
        assert product_records.barcode_owners(tx, []) == {}
        assert [p.name for p in product_records.inactive(tx)] == ["Coca vieja"]
        assert [p.name for p in product_records.inactive(tx, "vieja")] == ["Coca vieja"]
        assert product_records.inactive(tx, "nueva") == []
        assert product_records.barcodes_in_use(tx, ["999", COCA, "nadie"]) == {"999", COCA}
        assert off.id in {p.id for p in product_records.all_payloads(tx)}  # inactive ones too


def test_presence_is_checked_past_one_batch_of_ids_and_codes(till: Till) -> None:
    many = [StarterProduct(barcode=f"2{i:012d}", name=f"Producto {i}", department="Varios",
                           price=100, cost=50, iva=IvaRate.GENERAL, ieps_bp=0, sold_by_weight=False,
                           min_stock_milli=0, initial_stock_milli=0) for i in range(1_200)]
    added = catalog_admin.add_starter(till, many[1_000:], None)  # the last 200: past two batches
    assert added == 200
    with till.db.read() as tx:
        present = product_records.existing(tx, [starter_product_id(p.barcode) for p in many])
        assert present == {starter_product_id(p.barcode) for p in many[1_000:]}
        assert product_records.barcodes_in_use(tx, [p.barcode for p in many]) == {
            p.barcode for p in many[1_000:]}
        assert catalog_admin.starter_present(tx, many) == {p.barcode for p in many[1_000:]}


def test_departments_list_by_name_and_hide_switched_off_ones(stocked: Database, till: Till) -> None:
    with till.db.read() as tx:  # the starter catalog's own departments (issue 12)
        starter = [d.name for d in departments.listed(tx)]
    assert "Bebidas" in starter
    dulces = catalog_admin.add_department(till, "dulces", None)
    catalog_admin.add_department(till, "Cremería", None)
    catalog_admin.set_department_active(till, dulces, False, None)
    with till.db.read() as tx:
        assert [d.name for d in departments.listed(tx)] == sorted([*starter, "Cremería"],
                                                                  key=str.lower)
        assert [(d.name, d.active) for d in departments.listed(tx, include_inactive=True)] == \
            sorted([*((n, True) for n in starter), ("Cremería", True), ("dulces", False)],
                   key=lambda d: d[0].lower())
        drinks = product_records.in_department(tx, "Bebidas")
        filed = {p.id for p in product_records.all_payloads(tx) if p.department == "Bebidas"}
    assert drinks
    assert set(drinks) == filed


def test_owners_besides_one_and_who_may_log_in(till: Till) -> None:
    mary = cashier(till, "Doña Mary", Role.OWNER, "1234")
    pepe = cashier(till, "Pepe", Role.CASHIER, "0000")
    with till.db.read() as tx:
        assert cashiers.other_active_owners(tx, exclude=mary.id) == 0
        assert cashiers.other_active_owners(tx, exclude=pepe.id) == 1
        assert cashiers.active_one(tx, pepe.id) == pepe
        assert sorted(c.name for c, _ in cashiers.with_pin_hashes(tx)) == ["Doña Mary", "Pepe"]
        assert set(cashiers.pin_hashes(tx, exclude=mary.id)) == {str(pepe.id)}
        record = cashiers.record(tx, pepe.id)
    assert record is not None
    assert record.pin_hash.startswith("$argon2")
