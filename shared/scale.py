"""Labels printed by in-store scales (Torrey, Rhino…): EAN-13 codes starting with 20–29 that
carry the product's PLU and the weight or the price of the piece weighed behind the counter.

Layout: ``2`` + one digit (the prefix, 20–29) + 5-digit PLU + 5-digit value + check digit.
Which prefixes carry a weight (grams) and which a price (centavos) is a setting of the scale;
the default here is the common one: 20–24 weight, 25–29 price.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared import gtin

DEFAULT_WEIGHT_PREFIXES = frozenset(range(20, 25))
DEFAULT_PRICE_PREFIXES = frozenset(range(25, 30))


@dataclass(frozen=True, slots=True)
class ScaleLabel:
    plu: str  # the scale's product code, as stored among the product's barcodes
    grams: int | None
    price: int | None  # centavos for the whole piece


def ean13_check_digit(first12: str) -> int:
    return gtin.check_digit(first12)


def parse_scale_label(
    code: str, weight_prefixes: frozenset[int] = DEFAULT_WEIGHT_PREFIXES,
    price_prefixes: frozenset[int] = DEFAULT_PRICE_PREFIXES,
) -> ScaleLabel | None:
    """The label's contents, or None when ``code`` is not a scale label (a label with a wrong
    check digit is not one either: a misread must not sell the wrong weight)."""
    if len(code) != 13 or not code.isdigit() or code[0] != "2":
        return None
    prefix = int(code[:2])
    if ean13_check_digit(code[:12]) != int(code[12]):
        return None
    plu, value = code[2:7], int(code[7:12])
    if value == 0:
        return None
    if prefix in weight_prefixes:
        return ScaleLabel(plu, grams=value, price=None)
    if prefix in price_prefixes:
        return ScaleLabel(plu, grams=None, price=value)
    return None


def plu_candidates(plu: str) -> list[str]:
    """Barcodes a product may have been given for this PLU: "00123", and "123"."""
    stripped = plu.lstrip("0") or "0"
    return [plu] if stripped == plu else [plu, stripped]


def price_label_line(price_per_kg: int, label_price: int) -> tuple[int, int]:
    """(unit price per kg, grams) for a label that carries only the piece's price: the weight
    is the price over the kilo price, and the unit price is the one nearest the catalog's that
    makes the line come to the label's amount exactly (what the customer was told). A label
    over a kilo may miss by less than a centavo per kilo; then the nearest is kept."""
    if price_per_kg <= 0:
        raise ValueError("a product sold by price label needs a price per kg")
    grams = max(1, (label_price * 1000 + price_per_kg // 2) // price_per_kg)
    guess = (label_price * 1000 + grams // 2) // grams
    exact = [p for p in range(max(guess - 3, 0), guess + 4)
             if (p * grams * 2 + 1000) // 2000 == label_price]
    return min(exact or [guess], key=lambda p: abs(p - price_per_kg)), grams
