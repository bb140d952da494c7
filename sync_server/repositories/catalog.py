"""Products: records merged field by field (last writer wins per field, on (hlc, device))."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shared.sync.envelopes import ProductChange
from shared.sync.merge import record_fields
from shared.sync.payloads import ProductPayload
from sync_server.repositories import Connection
from sync_server.repositories.records import Column, edit_of, upsert_merged

_FIELDS = record_fields(ProductPayload)
_COLUMNS: list[Column] = [
    ("name", "text"), ("barcodes", "text"), ("department", "text"), ("price", "bigint"),
    ("cost", "bigint"), ("iva", "text"), ("ieps_bp", "int"), ("sold_by_weight", "boolean"),
    ("min_stock_milli", "bigint"), ("active", "boolean"), ("deleted", "boolean"),
    ("wholesale_price", "bigint"), ("wholesale_min_milli", "bigint"),
    ("sat_product_key", "text"), ("sat_unit_key", "text")]
# Barcodes travel to the statement as one text (an array of arrays would flatten in unnest);
# none holds a comma (the wire allows letters, digits and dashes).
_BARCODES = {"barcodes": "COALESCE(string_to_array(NULLIF({v}, ''), ','), '{{}}')"}


async def upsert_lww(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[ProductChange],
) -> None:
    """Merge product edits field by field (shared/sync/merge.py)."""
    await upsert_merged(conn, tenant_id, "products", "product_id", _COLUMNS, _FIELDS, [
        edit_of(c, origin, _FIELDS, {
            "name": p.name, "barcodes": ",".join(p.barcodes), "department": p.department,
            "price": p.price, "cost": p.cost, "iva": p.iva.value, "ieps_bp": p.ieps_bp,
            "sold_by_weight": p.sold_by_weight, "min_stock_milli": p.min_stock_milli,
            "active": p.active, "wholesale_price": p.wholesale_price,
            "wholesale_min_milli": p.wholesale_min_milli, "sat_product_key": p.sat_product_key,
            "sat_unit_key": p.sat_unit_key})
        for c in changes for p in [c.payload]
    ], expressions=_BARCODES)


async def stock(conn: Connection, tenant_id: uuid.UUID, product_id: uuid.UUID) -> int | None:
    value: int | None = await conn.fetchval(
        "SELECT stock_milli FROM product_stock WHERE tenant_id = $1 AND product_id = $2",
        tenant_id, product_id,
    )
    return value


async def existing(
    conn: Connection, tenant_id: uuid.UUID, product_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of ``product_ids`` the shop has (deleted ones included: their history stays)."""
    rows = await conn.fetch(
        "SELECT product_id FROM products WHERE tenant_id = $1 AND product_id = ANY($2::uuid[])",
        tenant_id, list(product_ids))
    return {r["product_id"] for r in rows}
