"""The till's stock cache follows the one stock rule (shared/stock.py): the last physical count
plus what is stamped after it, whatever order the facts arrive in and whichever of them the
server refuses later (withdrawn)."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from pos_client.store.apply import apply_changes
from pos_client.store.database import Database
from pos_client.store.migrations import MIGRATIONS
from pos_client.store.repositories.withdraw import withdraw_facts
from shared.hlc import pack
from shared.stock import stock_milli
from tests.support.stock_facts import PRODUCTS, by_rule, changes_for, stock_fact

pytestmark = pytest.mark.unit


def _cache(db: Database) -> dict[str, int]:
    with db.read() as conn:
        cached = dict(conn.execute(text("SELECT product_id, qty_milli FROM stock")).all())
        rule = dict(conn.execute(text("SELECT product_id, qty_milli FROM stock_by_rule")).all())
    assert {k: v for k, v in cached.items() if v} == {k: v for k, v in rule.items() if v}
    return cached


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=st.lists(stock_fact, max_size=25), seed=st.integers(0, 2**32 - 1),
       withdrawn=st.integers(0, 4))
def test_the_cache_follows_the_rule_in_any_order(tmp_path_factory, facts, seed, withdrawn):
    db = Database(Path(tmp_path_factory.mktemp("stock")) / "pos.sqlite3")
    try:
        changes = changes_for(facts)
        rng = random.Random(seed)
        arrival = changes[:]
        rng.shuffle(arrival)
        for start in range(0, len(arrival), 3):  # a few pulled pages
            with db.write() as conn:
                apply_changes(conn, [(c, None) for c in arrival[start:start + 3]])
        refused = rng.sample(changes, min(withdrawn, len(changes)))
        refused = [c for c in refused if not (c.entity == "sale" and any(
            r.entity == "sale_return" and r.payload.sale_id == c.payload.id  # type: ignore[union-attr]
            for r in changes))]  # a sale with returns is never refused alone
        with db.write() as conn:
            withdraw_facts(conn, refused)
        kept = [c for c in changes if c not in refused]
        cached = _cache(db)
        for pid, (counts, moves) in by_rule(kept).items():
            assert cached.get(str(pid), 0) == stock_milli(counts, moves), pid
    finally:
        db.close()


def test_a_sale_stamped_before_a_count_and_stored_after_it_is_inside_it(tmp_path):
    """The scenario of the issue, on one store: 10 counted; a sale stamped before the count
    arrives afterwards and changes nothing; a sale stamped after it is subtracted."""
    db = Database(tmp_path / "pos.sqlite3")
    try:
        from tests.support.stock_facts import StockFact
        initial, early, count, late = changes_for([
            StockFact("movement", 0, 11_000, 1 << 16), StockFact("sale", 0, 1000, 5 << 16),
            StockFact("count", 0, 10_000, 9 << 16), StockFact("sale", 0, 2000, 12 << 16)])
        for batch in ([initial], [count], [early]):
            with db.write() as conn:
                apply_changes(conn, [(c, None) for c in batch])
        assert _cache(db)[str(PRODUCTS[0])] == 10_000
        with db.write() as conn:
            apply_changes(conn, [(late, None)])
        assert _cache(db)[str(PRODUCTS[0])] == 8_000
    finally:
        db.close()


def test_facts_stored_before_counts_take_their_stamp_from_the_outbox_or_their_time(tmp_path):
    """The step that brings counts stamps facts already stored: the till's own from its outbox
    (exactly), the others from their own time."""
    path = tmp_path / "v11.sqlite3"
    raw = sqlite3.connect(path)
    for script in MIGRATIONS[:11]:
        raw.executescript(script)
    raw.executescript("""
        PRAGMA user_version = 11;
        INSERT INTO inventory_movements (id, product_id, qty_milli, reason, moved_at)
            VALUES ('m-own', 'p', 5000, 'receipt', '2026-03-01T12:00:00+00:00'),
                   ('m-pulled', 'p', 1000, 'receipt', '2026-03-01T12:00:01.500000+00:00');
        INSERT INTO outbox (change_id, entity, op, hlc, body, created_at)
            VALUES ('c1', 'inventory_movement', 'insert', 777,
                    '{"payload": {"id": "m-own"}}', '2026-03-01T12:00:00+00:00');
    """)
    raw.commit()
    raw.close()
    db = Database(path)
    try:
        with db.read() as conn:
            stamps = dict(conn.execute(text("SELECT id, hlc FROM inventory_movements")).all())
            stock = conn.execute(text("SELECT qty_milli FROM stock WHERE product_id = 'p'")).scalar()
    finally:
        db.close()
    at = datetime(2026, 3, 1, 12, 0, 1, 500_000, tzinfo=UTC)
    assert stamps == {"m-own": 777, "m-pulled": pack(int(at.timestamp() * 1000), 0)}
    assert stock == 6000  # the cache itself is untouched
