"""Stock as a ledger: every fact that moved a product's stock, stock as of a moment, low stock."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, text

# Every fact that moves stock, one row each, signed as the stock triggers sign it: movements as
# they are, sale lines out, return lines back in; a physical count (kind "counted") says what
# the shelf held. ``hlc`` is the order stock follows (shared/stock.py); ``rank`` orders facts
# with one stamp: movements, sales, returns, then counts (a fact with a count's stamp is inside
# it).
_FACTS = """
    SELECT c.product_id AS product_id, c.counted_at AS at, 'counted' AS kind,
           c.counted_milli AS qty, c.note AS ref, c.id AS key, 9 AS rank, c.hlc AS hlc
      FROM stock_counts c
    UNION ALL
    SELECT m.product_id, m.moved_at, m.reason, m.qty_milli, m.note, m.id, 1, m.hlc
      FROM inventory_movements m
    UNION ALL
    SELECT l.product_id, s.sold_at, 'sale', -l.qty_milli, s.folio, s.id || ':' || l.line_no, 2,
           l.hlc
      FROM sale_lines l JOIN sales s ON s.id = l.sale_id
     WHERE l.product_id IS NOT NULL
    UNION ALL
    SELECT rl.product_id, r.returned_at, 'return', rl.qty_milli,
           COALESCE(s.folio, '') || ' · ' || r.reason, r.id || ':' || rl.line_no, 3, rl.hlc
      FROM sale_return_lines rl JOIN sale_returns r ON r.id = rl.return_id
      LEFT JOIN sales s ON s.id = r.sale_id
     WHERE rl.product_id IS NOT NULL
"""


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One fact in a product's stock history. ``kind`` is a movement reason, "sale", "return"
    or "counted" (a physical count: ``qty_milli`` is what the shelf held, not a change)."""

    at: datetime
    kind: str
    qty_milli: int
    reference: str | None

    @property
    def absolute(self) -> bool:
        return self.kind == "counted"


@dataclass(frozen=True, slots=True)
class StockItem:
    """A product as the back room sees it: its cost and minimum along with its stock."""

    id: uuid.UUID
    name: str
    sold_by_weight: bool
    cost: int
    min_stock_milli: int
    stock_milli: int
    department: str | None
    active: bool
    deleted: bool


_ITEMS = """
    SELECT p.id, p.name, p.sold_by_weight, p.cost, p.min_stock_milli, p.department, p.active,
           p.deleted, COALESCE(st.qty_milli, 0) AS stock_milli
      FROM products p LEFT JOIN stock st ON st.product_id = p.id
"""


def _item(r: Row[Any]) -> StockItem:
    return StockItem(
        id=uuid.UUID(r.id), name=r.name, sold_by_weight=bool(r.sold_by_weight), cost=r.cost,
        min_stock_milli=r.min_stock_milli, stock_milli=r.stock_milli, department=r.department,
        active=bool(r.active), deleted=bool(r.deleted),
    )


def items(conn: Connection, product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, StockItem]:
    """The products asked for (deleted ones too: callers decide what to refuse)."""
    ids = [str(p) for p in product_ids]
    if not ids:
        return {}
    query = text(_ITEMS + " WHERE p.id IN :ids").bindparams(bindparam("ids", expanding=True))
    found = (_item(r) for r in conn.execute(query, {"ids": ids}))
    return {item.id: item for item in found}


def active_items(conn: Connection) -> list[StockItem]:
    """Every product on sale, by name: the list a full physical count starts from."""
    query = text(_ITEMS + " WHERE p.deleted = 0 AND p.active = 1 ORDER BY p.name COLLATE NOCASE")
    return [_item(r) for r in conn.execute(query)]


def below_minimum(conn: Connection) -> list[StockItem]:
    """Products on sale whose stock is under their minimum, or at or below zero."""
    query = text(_ITEMS + """
        WHERE p.deleted = 0 AND p.active = 1
          AND (COALESCE(st.qty_milli, 0) < p.min_stock_milli OR COALESCE(st.qty_milli, 0) <= 0)
    """)
    return [_item(r) for r in conn.execute(query)]


def ledger(conn: Connection, product_id: uuid.UUID) -> list[LedgerEntry]:
    """Every fact that moved this product's stock, in the order stock adds them up (their
    hybrid-clock stamps: a sale synced late but rung up before a count comes before it)."""
    query = text(f"SELECT at, kind, qty, ref, rank, key, hlc FROM ({_FACTS}) "
                 "WHERE product_id = :pid ORDER BY hlc, rank, key")
    return [LedgerEntry(datetime.fromisoformat(r.at), r.kind, r.qty, r.ref)
            for r in conn.execute(query, {"pid": str(product_id)})]


def moved_after(conn: Connection, product_id: uuid.UUID, stamp: int) -> int:
    """Net stock moved for this product by facts stamped after hybrid-clock ``stamp``: the
    stock at that moment was the stock now minus this (counts are not movements)."""
    query = text(f"SELECT COALESCE(sum(qty), 0) FROM ({_FACTS}) WHERE product_id = :pid "
                 "AND hlc > :stamp AND kind != 'counted'")
    moved: int = conn.execute(query, {"pid": str(product_id), "stamp": stamp}).scalar_one()
    return moved
