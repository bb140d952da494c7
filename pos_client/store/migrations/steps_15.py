"""Client schema step 15: SAT's keys per product. Forward-only, like every step: a shipped one
is never edited."""

from __future__ import annotations

STEPS: list[str] = [
    # 17: a product's ClaveProdServ and ClaveUnidad for its invoice concepts (sync protocol 4,
    # optional fields of the product record); NULL: 01010101, and H87 or KGM by weight.
    """
    ALTER TABLE products ADD COLUMN sat_product_key TEXT;
    ALTER TABLE products ADD COLUMN sat_unit_key TEXT;
    """,
]
