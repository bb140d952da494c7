"""The starter catalog of common Mexican corner-shop products, shipped as CSV with the package."""

from __future__ import annotations

import csv
import io
import itertools
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from shared.hlc import HybridClock
from shared.ids import new_uuid7
from shared.money import Centavos
from shared.quantity import QTY_SCALE
from shared.sync.envelopes import CategoryChange, Change, InventoryMovementChange, ProductChange
from shared.sync.payloads import CategoryPayload, InventoryMovementPayload, ProductPayload
from shared.tax import IvaRate


def name_key(name: str) -> str:
    """A product's or department's name as people read it, for telling twins apart: letter
    case, accents and repeated spaces aside, «Jamón  Virginia» and «jamon virginia» are one
    name. The product form, the catalog import and the departments all compare through it."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(plain.casefold().split())


@dataclass(frozen=True, slots=True)
class StarterProduct:
    barcode: str
    name: str
    department: str
    price: Centavos
    cost: Centavos
    iva: IvaRate
    ieps_bp: int
    sold_by_weight: bool
    min_stock_milli: int
    initial_stock_milli: int


def _to_milli(value: str, by_weight: bool) -> int:
    # The CSV keeps pieces for piece goods and grams for weighed goods; grams are already
    # thousandths of a kilogram.
    return int(value) if by_weight else int(value) * QTY_SCALE


def load_starter_catalog() -> list[StarterProduct]:
    text = resources.files("shared").joinpath("data/starter_catalog.csv").read_text("utf-8")
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        by_weight = row["sold_by_weight"] == "1"
        out.append(
            StarterProduct(
                barcode=row["barcode"],
                name=row["name"],
                department=row["department"],
                price=int(row["price_cents"]),
                cost=int(row["cost_cents"]),
                iva=IvaRate(row["iva"]),
                ieps_bp=int(row["ieps_pct"]) * 100,
                sold_by_weight=by_weight,
                min_stock_milli=_to_milli(row["min_stock"], by_weight),
                initial_stock_milli=_to_milli(row["initial_stock"], by_weight),
            )
        )
    return out


# Starter products get ids derived from their barcode, so a shop that loaded the starter
# catalog on a standalone POS and again on the server ends up with one product, not two.
_STARTER_NAMESPACE = uuid.UUID("6a0f5f7e-3c39-4c55-9d0e-6d1f3b8f2a10")


def starter_category_id(name: str) -> uuid.UUID:
    return uuid.uuid5(_STARTER_NAMESPACE, f"category:{name.casefold()}")


def starter_product_id(barcode: str) -> uuid.UUID:
    return uuid.uuid5(_STARTER_NAMESPACE, f"product:{barcode}")


def starter_changes(
    products: Sequence[StarterProduct], clock: HybridClock, now: datetime, first_seq: int = 0
) -> list[Change]:
    """The product records and opening-stock facts for ``products``, as syncable changes.

    ``first_seq`` numbers them for a device's outbox; 0 marks them as made by the server.
    """
    out: list[Change] = []
    seq = itertools.count(first_seq) if first_seq else None

    def next_seq() -> int:
        return next(seq) if seq else 0

    # The departments the products name, as department records: the back room lists and
    # renames them, and the product form offers them (before, they existed only as text).
    for name in sorted({item.department for item in products if item.department}):
        out.append(CategoryChange(
            change_id=new_uuid7(), device_seq=next_seq(), hlc=clock.now(), created_at=now,
            entity="category", payload=CategoryPayload(id=starter_category_id(name), name=name)))
    for item in products:
        product_id = starter_product_id(item.barcode)
        out.append(ProductChange(
            change_id=new_uuid7(), device_seq=next_seq(), hlc=clock.now(), created_at=now,
            entity="product",
            payload=ProductPayload(
                id=product_id, name=item.name, barcodes=[item.barcode],
                department=item.department, price=item.price, cost=item.cost, iva=item.iva,
                ieps_bp=item.ieps_bp, sold_by_weight=item.sold_by_weight,
                min_stock_milli=item.min_stock_milli,
            ),
        ))
        if item.initial_stock_milli:
            out.append(InventoryMovementChange(
                change_id=new_uuid7(), device_seq=next_seq(), hlc=clock.now(), created_at=now,
                entity="inventory_movement",
                payload=InventoryMovementPayload(
                    id=uuid.uuid5(_STARTER_NAMESPACE, f"stock:{item.barcode}"),
                    product_id=product_id, qty_milli=item.initial_stock_milli,
                    reason="initial", moved_at=now,
                ),
            ))
    return out
