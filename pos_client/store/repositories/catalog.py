"""Products, barcodes and derived stock."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, func, literal_column, select, table
from sqlalchemy.dialects.sqlite import insert

from pos_client.store.repositories import lww
from pos_client.store.repositories.lww import Edit
from pos_client.store.schema import product_barcodes, products, stock
from shared.sync.merge import record_fields
from shared.sync.payloads import ProductPayload
from shared.tax import IvaRate


@dataclass(frozen=True, slots=True)
class Product:
    id: uuid.UUID
    name: str
    price: int
    iva: IvaRate
    ieps_bp: int
    sold_by_weight: bool
    department: str | None
    barcode: str | None
    stock_milli: int
    wholesale_price: int | None = None
    wholesale_min_milli: int = 0
    cost: int | None = None  # unit cost; None when never captured (0 in the catalog)


_COLUMNS = (
    products.c.id, products.c.name, products.c.price, products.c.iva, products.c.ieps_bp,
    products.c.sold_by_weight, products.c.department,
    select(func.min(product_barcodes.c.barcode))
    .where(product_barcodes.c.product_id == products.c.id).scalar_subquery().label("barcode"),
    func.coalesce(stock.c.qty_milli, 0).label("stock_milli"),
    products.c.wholesale_price, products.c.wholesale_min_milli, products.c.cost,
)


def _query() -> Select[Any]:
    return (
        select(*_COLUMNS)
        .select_from(products.outerjoin(stock, stock.c.product_id == products.c.id))
        .where(products.c.deleted == 0, products.c.active == 1)
    )


def _row(r: Row[Any]) -> Product:
    return Product(
        id=uuid.UUID(r.id), name=r.name, price=r.price, iva=IvaRate(r.iva), ieps_bp=r.ieps_bp,
        sold_by_weight=bool(r.sold_by_weight), department=r.department, barcode=r.barcode,
        stock_milli=r.stock_milli, wholesale_price=r.wholesale_price,
        wholesale_min_milli=r.wholesale_min_milli, cost=r.cost or None,
    )


def by_barcode(conn: Connection, barcode: str) -> Product | None:
    ids = select(product_barcodes.c.product_id).where(product_barcodes.c.barcode == barcode)
    row = conn.execute(_query().where(products.c.id.in_(ids)).limit(1)).first()
    return _row(row) if row else None


def by_id(conn: Connection, product_id: uuid.UUID) -> Product | None:
    row = conn.execute(_query().where(products.c.id == str(product_id))).first()
    return _row(row) if row else None


_WORD = re.compile(r"\w+")


def search(conn: Connection, text: str = "", limit: int = 200) -> list[Product]:
    """Products whose name has words starting with every typed word (accents ignored), or
    whose barcode starts with the typed digits; by name."""
    # The matching side stops at `limit` candidates (a one-letter search matches half the
    # catalog; sorting all of it per keystroke is what made typing lag), then the page is
    # put in name order and given its barcode and stock. The list narrows as they type.
    query = _query().order_by(products.c.name.collate("NOCASE")).limit(limit)
    typed = text.strip()
    if typed.isdigit():
        query = query.where(products.c.id.in_(
            select(product_barcodes.c.product_id)
            .where(product_barcodes.c.barcode.op("GLOB")(typed + "*"))  # GLOB: uses the index
            .limit(limit * 2)))  # a deleted product may hold some of them
    elif words := _WORD.findall(typed):
        match = " ".join(f'"{w}"*' for w in words)
        query = query.where(literal_column("products.rowid").in_(
            select(literal_column("rowid")).select_from(table("products_fts"))
            .where(literal_column("products_fts").op("MATCH")(match)).limit(limit * 2)))
    return [_row(r) for r in conn.execute(query)]


def stock_of(conn: Connection, product_id: uuid.UUID) -> int:
    value = conn.execute(
        select(stock.c.qty_milli).where(stock.c.product_id == str(product_id))
    ).scalar()
    return int(value or 0)


_FIELDS = record_fields(ProductPayload)


def upsert_many(conn: Connection, edits: Sequence[Edit]) -> None:
    """Merge product edits field by field (shared/sync/merge.py), barcodes too."""
    rows = [
        e.row(_FIELDS, {
            "name": p.name, "department": p.department, "price": p.price, "cost": p.cost,
            "iva": p.iva.value, "ieps_bp": p.ieps_bp, "sold_by_weight": int(p.sold_by_weight),
            "min_stock_milli": p.min_stock_milli, "active": int(p.active),
            "wholesale_price": p.wholesale_price, "wholesale_min_milli": p.wholesale_min_milli,
            "sat_product_key": p.sat_product_key, "sat_unit_key": p.sat_unit_key,
            "_barcodes": p.barcodes})
        for e in edits for p in [e.payload]
    ]
    written = [w for w in lww.upsert_many(conn, products, rows, _FIELDS,
                                          {"barcodes": ("_barcodes",)})
               if "barcodes" in w.won]
    if not written:
        return
    conn.execute(delete(product_barcodes)
                 .where(product_barcodes.c.product_id.in_([w.id for w in written])))
    barcodes = [{"barcode": b, "product_id": w.id} for w in written
                for b in set(w.values["_barcodes"])]
    if barcodes:
        conn.execute(insert(product_barcodes), barcodes)


def count(conn: Connection) -> int:
    n: int = conn.execute(select(func.count()).select_from(products)).scalar_one()
    return n


def payload(conn: Connection, product_id: uuid.UUID) -> ProductPayload | None:
    """The stored product as a record payload, to edit and save again."""
    row = conn.execute(select(products).where(products.c.id == str(product_id))).first()
    if row is None:
        return None
    barcodes = conn.execute(
        select(product_barcodes.c.barcode).where(product_barcodes.c.product_id == row.id)
        .order_by(product_barcodes.c.barcode)
    ).scalars().all()
    return ProductPayload(
        id=uuid.UUID(row.id), name=row.name, barcodes=list(barcodes), department=row.department,
        price=row.price, cost=row.cost, iva=IvaRate(row.iva), ieps_bp=row.ieps_bp,
        sold_by_weight=bool(row.sold_by_weight), min_stock_milli=row.min_stock_milli,
        active=bool(row.active), wholesale_price=row.wholesale_price,
        wholesale_min_milli=row.wholesale_min_milli, sat_product_key=row.sat_product_key,
        sat_unit_key=row.sat_unit_key,
    )


def versions(conn: Connection) -> dict[uuid.UUID, tuple[str, int, bool]]:
    """Every product's (name, price, deleted), tombstones included: what two replicas of a
    catalog must agree on."""
    rows = conn.execute(select(products.c.id, products.c.name, products.c.price,
                               products.c.deleted))
    return {uuid.UUID(r.id): (r.name, r.price, bool(r.deleted)) for r in rows}


def stock_levels(conn: Connection) -> dict[uuid.UUID, int]:
    return {uuid.UUID(r.product_id): r.qty_milli for r in conn.execute(select(stock))}
