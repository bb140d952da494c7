"""The field merge of records (shared/sync/merge.py): every order of the same edits ends in the
same values, each field keeps its latest edit, and a tombstone wins over older edits."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.ids import new_uuid7
from shared.sync.merge import (
    DELETED,
    Stamps,
    changed_fields,
    edit_fields,
    fold,
    merge,
    record_fields,
)
from shared.sync.payloads import ProductPayload
from shared.tax import IvaRate

pytestmark = pytest.mark.unit

FIELDS = ("price", "cost", "name", DELETED)
A, B = "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b"


@dataclass(frozen=True)
class E:
    """An edit: its stamp, the fields it sets and their values (a delete sets ``deleted``)."""

    hlc: int
    writer: str
    values: tuple[tuple[str, object], ...]


def replay(edits: list[E]) -> dict[str, object]:
    """Values after applying ``edits`` in this order with ``merge``, as a store does."""
    stamps: Stamps | None = None
    values: dict[str, object] = {}
    for e in edits:
        new = stamps is None
        merged = merge(FIELDS, stamps, dict(e.values), (e.hlc, e.writer))
        taken = FIELDS if new else merged.won
        values.update({f: dict(e.values).get(f) for f in taken})
        stamps = merged.stamps
    return values


def upsert(hlc: int, writer: str, **values: object) -> E:
    return E(hlc, writer, tuple(values.items()))


def test_a_price_edit_and_a_cost_edit_from_two_tills_both_survive_in_either_order():
    created = upsert(1, A, price=1000, cost=700, name="Coca", deleted=False)
    price, cost = upsert(5, A, price=1200), upsert(4, B, cost=800)
    for order in ([created, price, cost], [created, cost, price], [cost, created, price]):
        got = replay(order)  # an edit may even arrive before the record it edits
        assert (got["price"], got["cost"], got["name"]) == (1200, 800, "Coca")


def test_the_same_field_edited_twice_keeps_the_later_edit_whatever_arrives_first():
    created = upsert(1, A, price=1000, cost=700, name="Coca", deleted=False)
    early, late = upsert(4, A, price=1100), upsert(5, B, price=1300)
    assert replay([created, early, late])["price"] == 1300
    assert replay([created, late, early])["price"] == 1300


def test_a_tie_on_the_clock_goes_to_the_higher_writer():
    created = upsert(1, A, price=1000, cost=700, name="Coca", deleted=False)
    assert replay([created, upsert(4, B, price=1), upsert(4, A, price=2)])["price"] == 1
    assert replay([created, upsert(4, A, price=2), upsert(4, B, price=1)])["price"] == 1


def test_a_tombstone_wins_over_older_edits_and_a_later_whole_edit_brings_the_record_back():
    created = upsert(1, A, price=1000, cost=700, name="Coca", deleted=False)
    tomb, older = upsert(6, B, deleted=True), upsert(5, A, price=1200)
    for order in ([tomb, older], [older, tomb]):
        assert replay([created, *order])["deleted"] is True
    back = upsert(7, A, price=1, cost=1, name="Coca", deleted=False)
    assert replay([created, back, tomb])["deleted"] is False


def test_a_delete_sets_deleted_only_and_an_unnamed_edit_sets_every_field():
    assert edit_fields(FIELDS, "delete", None) == {DELETED}
    assert edit_fields(FIELDS, "upsert", None) == set(FIELDS)
    assert edit_fields(FIELDS, "upsert", ["price"]) == {"price"}


def test_a_record_stays_compact_until_its_fields_carry_different_stamps():
    whole = merge(FIELDS, None, FIELDS, (3, A)).stamps
    assert whole.fields is None
    assert whole.encoded() is None
    parted = merge(FIELDS, whole, ["price"], (4, B)).stamps
    assert parted.of("price") == (4, B)
    assert parted.of("cost") == (3, A)
    assert Stamps.decoded(parted.newest, parted.encoded()) == parted
    assert merge(FIELDS, parted, FIELDS, (9, A)).stamps.fields is None


def test_an_edit_names_only_what_it_changes():
    before = ProductPayload(id=new_uuid7(), name="Coca", barcodes=["1", "2"], price=1000,
                            cost=700, iva=IvaRate.GENERAL)
    after = before.model_copy(update={"cost": 800, "barcodes": ["2", "1"]})
    assert changed_fields(before, after) == ["cost"]
    assert changed_fields(None, after) is None
    assert "id" not in record_fields(ProductPayload)
    assert DELETED in record_fields(ProductPayload)


_edits = st.lists(st.builds(
    upsert, st.integers(2, 8), st.sampled_from([A, B]),
    price=st.integers(0, 9), cost=st.integers(0, 9)).map(
        lambda e: E(e.hlc, e.writer, tuple(kv for kv in e.values if kv[1] % 3))) |
    st.builds(lambda h, w: upsert(h, w, deleted=True), st.integers(2, 8), st.sampled_from([A, B])),
    max_size=5, unique_by=lambda e: (e.hlc, e.writer))  # a writer never reuses a stamp


@settings(max_examples=200, deadline=None)
@given(_edits)
def test_every_order_of_the_same_edits_ends_in_the_same_record(edits):
    created = upsert(1, A, price=0, cost=0, name="x", deleted=False)
    results = {repr(replay([created, *order])) for order in itertools.islice(
        itertools.permutations(edits), 24)}
    assert len(results) == 1


@settings(max_examples=100, deadline=None)
@given(_edits)
def test_folding_the_edits_gives_what_a_store_holds_in_any_order(edits):
    """``fold`` is how the server rebuilds its copy of a record from its feed."""
    created = upsert(1, A, price=0, cost=0, name="x", deleted=False)
    whole = {"price": 0, "cost": 0, "name": "x", DELETED: False}

    def as_fold(e: E) -> tuple[dict[str, object], list[str], tuple[int, str]]:
        return {**whole, **dict(e.values)}, [f for f, _ in e.values], (e.hlc, e.writer)

    stored = replay([created, *edits])
    for order in itertools.islice(itertools.permutations([created, *edits]), 12):
        folded = fold(FIELDS, map(as_fold, order))
        assert folded is not None
        values, _ = folded
        assert values == stored
    assert fold(FIELDS, []) is None
