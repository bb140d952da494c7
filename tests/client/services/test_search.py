"""Searching the local catalog as a cashier types: words, accents, barcodes, edits, deletions."""

from __future__ import annotations

import pytest

from pos_client.services import catalog_admin
from pos_client.services.till import Till
from pos_client.store.repositories import catalog
from tests.support.backroom import edit_product

pytestmark = pytest.mark.unit


def _names(db, text):
    with db.read() as conn:
        return [p.name for p in catalog.search(conn, text)]


def test_prefixes_of_every_word_accents_ignored(stocked, small_catalog):
    coke = small_catalog[0].name  # "Coca-Cola 600 ml"
    assert coke in _names(stocked, "coca 600")
    assert coke in _names(stocked, "COCA")
    assert coke not in _names(stocked, "coca 2")
    assert _names(stocked, "zzzz") == []


def test_digits_search_barcodes_by_prefix(stocked, small_catalog):
    item = small_catalog[3]
    assert item.name in _names(stocked, item.barcode[:8])
    assert _names(stocked, item.barcode) == [item.name]


def test_search_follows_renames_and_deletions(stocked, device, small_catalog):
    item = small_catalog[0]
    with stocked.read() as conn:
        product = catalog.by_barcode(conn, item.barcode).id
    edit_product(Till(stocked, device), product, name="Refresco de Cola Económico")
    assert _names(stocked, "economico") == ["Refresco de Cola Económico"]
    assert item.name not in _names(stocked, "coca")
    catalog_admin.delete_product(Till(stocked, device), product, cashier_id=None)
    assert _names(stocked, "economico") == []
