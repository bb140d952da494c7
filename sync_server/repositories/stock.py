"""The catalog as the shop's tools read it: search by name or barcode, one product with its
stock, stock levels against minimums, and how fast each product sells."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sync_server.repositories import Connection
from sync_server.repositories.folding import contains_patterns, folded


@dataclass(frozen=True, slots=True)
class ProductRow:
    product_id: uuid.UUID
    name: str
    barcodes: list[str]
    department: str | None
    price: int
    cost: int
    iva: str
    ieps_bp: int
    sold_by_weight: bool
    min_stock_milli: int
    active: bool
    wholesale_price: int | None
    wholesale_min_milli: int
    stock_milli: int


_COLUMNS = """p.product_id, p.name, p.barcodes, p.department, p.price, p.cost, p.iva, p.ieps_bp,
              p.sold_by_weight, p.min_stock_milli, p.active, p.wholesale_price,
              p.wholesale_min_milli, COALESCE(st.stock_milli, 0)::bigint AS stock_milli"""
_FROM = """FROM products p
           LEFT JOIN product_stock st ON st.tenant_id = p.tenant_id AND st.product_id = p.product_id
           WHERE p.tenant_id = $1 AND NOT p.deleted"""


async def search(
    conn: Connection, tenant_id: uuid.UUID, words: Sequence[str], barcode: str | None,
    limit: int, active_only: bool,
) -> list[ProductRow]:
    """Products whose folded name holds every one of ``words`` (already folded), or with the
    barcode; exact barcode first, then names that start with the first word, then by name."""
    patterns = contains_patterns(words)
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} {_FROM}
              AND (NOT $5 OR p.active)
              AND (($3::text IS NOT NULL AND $3 = ANY(p.barcodes))
                   OR (cardinality($2::text[]) > 0 AND {folded('p.name')} LIKE ALL ($2::text[])))
            ORDER BY ($3::text IS NOT NULL AND $3 = ANY(p.barcodes)) DESC,
                     ({folded('p.name')} LIKE $6) DESC, p.name
            LIMIT $4""",
        tenant_id, patterns, barcode, limit, active_only, patterns[0][1:] if patterns else "")
    return [ProductRow(**dict(r)) for r in rows]


async def get(conn: Connection, tenant_id: uuid.UUID, product_id: uuid.UUID) -> ProductRow | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} {_FROM} AND p.product_id = $2",
                              tenant_id, product_id)
    return ProductRow(**dict(row)) if row else None


async def by_ids(
    conn: Connection, tenant_id: uuid.UUID, product_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ProductRow]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} {_FROM} AND p.product_id = ANY($2::uuid[])",
                            tenant_id, list(product_ids))
    return {r["product_id"]: ProductRow(**dict(r)) for r in rows}


async def active_with_stock(conn: Connection, tenant_id: uuid.UUID) -> list[ProductRow]:
    """Every active product with its stock: what low stock and reorder suggestions weigh."""
    rows = await conn.fetch(f"SELECT {_COLUMNS} {_FROM} AND p.active ORDER BY p.name", tenant_id)
    return [ProductRow(**dict(r)) for r in rows]


async def sold_since(
    conn: Connection, tenant_id: uuid.UUID, since: datetime
) -> dict[uuid.UUID, int]:
    """product_id → quantity sold since ``since`` net of what came back, in thousandths."""
    rows = await conn.fetch(
        """SELECT product_id, sum(qty)::bigint AS qty FROM (
               SELECT l.product_id, l.qty_milli AS qty
               FROM sales s JOIN sale_lines l ON l.tenant_id = s.tenant_id AND l.sale_id = s.sale_id
               WHERE s.tenant_id = $1 AND s.sold_at >= $2 AND l.product_id IS NOT NULL
               UNION ALL
               SELECT rl.product_id, -rl.qty_milli
               FROM sale_returns r
               JOIN sale_return_lines rl ON rl.tenant_id = r.tenant_id AND rl.return_id = r.return_id
               WHERE r.tenant_id = $1 AND r.returned_at >= $2 AND rl.product_id IS NOT NULL) x
           GROUP BY product_id""", tenant_id, since)
    return {r["product_id"]: r["qty"] for r in rows}


async def last_sold(
    conn: Connection, tenant_id: uuid.UUID, product_id: uuid.UUID
) -> datetime | None:
    when: datetime | None = await conn.fetchval(
        """SELECT max(s.sold_at) FROM sale_lines l
           JOIN sales s ON s.tenant_id = l.tenant_id AND s.sale_id = l.sale_id
           WHERE l.tenant_id = $1 AND l.product_id = $2""", tenant_id, product_id)
    return when
