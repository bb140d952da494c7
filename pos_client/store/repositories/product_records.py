"""Products as the back room edits them: whole records (inactive ones too), who owns a barcode,
a department's products, which starter products a shop already has."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select

from pos_client.store.database import Tx
from pos_client.store.repositories import catalog
from pos_client.store.schema import product_barcodes, products
from shared.catalog import name_key
from shared.sync.payloads import ProductPayload
from shared.tax import IvaRate

_CHUNK = 500  # ids per IN (…): SQLite's limit on bound parameters is far above it


def inactive(tx: Tx, text: str = "", limit: int = 200) -> list[catalog.Product]:
    """Products switched off (not sold, not found at the till), by name, to switch them on."""
    query = (select(products.c.id).where(products.c.deleted == 0, products.c.active == 0)
             .order_by(products.c.name.collate("NOCASE")).limit(limit))
    if text.strip():
        query = query.where(products.c.name.contains(text.strip(), autoescape=True))
    out = []
    for product_id in tx.execute(query).scalars():
        p = catalog.payload(tx, uuid.UUID(product_id))
        if p is not None:
            out.append(catalog.Product(
                id=p.id, name=p.name, price=p.price, iva=p.iva, ieps_bp=p.ieps_bp,
                sold_by_weight=p.sold_by_weight, department=p.department,
                barcode=p.barcodes[0] if p.barcodes else None,
                stock_milli=catalog.stock_of(tx, p.id), wholesale_price=p.wholesale_price,
                wholesale_min_milli=p.wholesale_min_milli))
    return out


def all_payloads(tx: Tx) -> list[ProductPayload]:
    """Every product not deleted (inactive ones too), with its barcodes, by name."""
    codes: dict[str, list[str]] = defaultdict(list)
    for r in tx.execute(select(product_barcodes).join(
            products, products.c.id == product_barcodes.c.product_id).where(products.c.deleted == 0)
            .order_by(product_barcodes.c.barcode)):
        codes[r.product_id].append(r.barcode)
    rows = tx.execute(select(products).where(products.c.deleted == 0)
                      .order_by(products.c.name.collate("NOCASE"), products.c.id))
    return [ProductPayload(
        id=uuid.UUID(r.id), name=r.name, barcodes=codes[r.id], department=r.department,
        price=r.price, cost=r.cost, iva=IvaRate(r.iva), ieps_bp=r.ieps_bp,
        sold_by_weight=bool(r.sold_by_weight), min_stock_milli=r.min_stock_milli,
        active=bool(r.active), wholesale_price=r.wholesale_price,
        wholesale_min_milli=r.wholesale_min_milli, sat_product_key=r.sat_product_key,
        sat_unit_key=r.sat_unit_key) for r in rows]


def barcode_owners(tx: Tx, barcodes: Iterable[str], exclude: uuid.UUID | None = None
                   ) -> dict[str, str]:
    """Barcode → name of the other active product that already answers to it at the till."""
    codes = list(barcodes)
    if not codes:
        return {}
    query = (select(product_barcodes.c.barcode, products.c.name)
             .join(products, products.c.id == product_barcodes.c.product_id)
             .where(product_barcodes.c.barcode.in_(codes), products.c.deleted == 0,
                    products.c.active == 1))
    if exclude is not None:
        query = query.where(products.c.id != str(exclude))
    return {r.barcode: r.name for r in tx.execute(query)}


def active_named(tx: Tx, name: str, exclude: uuid.UUID | None = None) -> str | None:
    """The name of another active product called ``name`` (as people read it:
    shared.catalog.name_key), if any."""
    found = active_names(tx, exclude).get(name_key(name))
    return found[1] if found else None


def active_names(tx: Tx, exclude: uuid.UUID | None = None) -> dict[str, tuple[uuid.UUID, str]]:
    """Every active product's id and name by its name's key (shared.catalog.name_key).
    Compared in Python: SQLite's lower() knows neither accents nor letters past ASCII."""
    query = select(products.c.id, products.c.name).where(products.c.deleted == 0,
                                                         products.c.active == 1)
    if exclude is not None:
        query = query.where(products.c.id != str(exclude))
    return {name_key(r.name): (uuid.UUID(r.id), r.name) for r in tx.execute(query)}


def in_department(tx: Tx, name: str) -> list[uuid.UUID]:
    """The products (not deleted) filed under the department called ``name``."""
    ids = tx.execute(select(products.c.id).where(
        products.c.deleted == 0, products.c.department == name)).scalars()
    return [uuid.UUID(i) for i in ids]


def existing(tx: Tx, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Those of ``ids`` that name a product not deleted."""
    wanted = [str(i) for i in ids]
    found: set[uuid.UUID] = set()
    for start in range(0, len(wanted), _CHUNK):
        rows = tx.execute(select(products.c.id).where(
            products.c.id.in_(wanted[start:start + _CHUNK]), products.c.deleted == 0)).scalars()
        found |= {uuid.UUID(r) for r in rows}
    return found


def barcodes_in_use(tx: Tx, barcodes: Iterable[str]) -> set[str]:
    """Those of ``barcodes`` some product not deleted (active or not) answers to."""
    codes = list(barcodes)
    found: set[str] = set()
    for start in range(0, len(codes), _CHUNK):
        rows = tx.execute(
            select(func.distinct(product_barcodes.c.barcode))
            .join(products, products.c.id == product_barcodes.c.product_id)
            .where(product_barcodes.c.barcode.in_(codes[start:start + _CHUNK]),
                   products.c.deleted == 0)).scalars()
        found |= set(rows)
    return found
