"""The starter catalog of common Mexican corner-shop products, shipped as CSV with the package."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources

from shared.money import Centavos
from shared.sale import QTY_SCALE
from shared.tax import IvaRate


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
