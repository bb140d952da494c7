"""Quantities: integer thousandths of a piece or of a kilogram (grams); how people type them,
how they are shown, and what a quantity costs at a unit price. Integer arithmetic only."""

from __future__ import annotations

import re

from shared.errors import InvalidQuantity
from shared.money import Centavos, div_round_half_up

QTY_SCALE = 1000  # quantities are thousandths of the unit: 1 piece = 1000, 1 kg = 1000 (grams)
MAX_QTY_MILLI = 9_999 * QTY_SCALE  # more than 9,999 pieces or kg on one line is a typing slip


def check_quantity(qty_milli: int, *, allow_zero: bool = False, limit: int = MAX_QTY_MILLI) -> None:
    """A quantity of something: above zero (or zero, where "none" means something) and at most
    ``limit`` (a line of a sale: 9,999 units)."""
    if qty_milli < 0 or (qty_milli == 0 and not allow_zero):
        raise InvalidQuantity("La cantidad debe ser mayor que cero.")
    if qty_milli > limit:
        raise InvalidQuantity("La cantidad es demasiado grande. Revisa lo que escribiste.")


_TYPED = re.compile(r"([0-9]*)(?:\.([0-9]{0,3}))?\s*(kg|g)?", re.IGNORECASE)


def parse_quantity(
    text: str, by_weight: bool, *, allow_zero: bool = False, limit: int = MAX_QTY_MILLI
) -> int:
    """What a person typed as a quantity, in thousandths: "3" pieces; "0.250", ".5 kg",
    "250 g" for weighed goods. Pieces must be whole. Read as digits, never through a float.

    The defaults are a line of a sale; a stock minimum takes ``allow_zero`` and a larger
    ``limit``."""
    raw = text.strip()
    m = _TYPED.fullmatch(raw)
    whole, fraction, unit = ((m.group(1), m.group(2) or "", (m.group(3) or "").lower())
                             if m else ("", "", ""))
    # No more whole digits than the largest allowed quantity has: "99999" at the counter is
    # not a quantity but a slip (a code typed into the quantity box).
    digits = len(str(limit if unit == "g" else limit // QTY_SCALE))
    if not (whole or fraction) or len(whole) > digits:
        raise InvalidQuantity(f"«{raw[:30]}» no es una cantidad válida. Ejemplos: 3, 0.250, 250 g.")
    if unit == "g":
        if fraction:
            raise InvalidQuantity("Los gramos se escriben sin decimales, por ejemplo 250 g.")
        qty = int(whole)
    else:
        qty = int(whole or "0") * QTY_SCALE + int(fraction.ljust(3, "0"))
    if not by_weight and (unit or qty % QTY_SCALE):
        raise InvalidQuantity("Este producto se vende por pieza: usa cantidades enteras.")
    check_quantity(qty, allow_zero=allow_zero, limit=limit)
    return qty


def format_quantity(qty_milli: int, by_weight: bool = False, *, grouped: bool = False) -> str:
    """As screens, tickets and reports show it: whole pieces "12", part of a piece "1.500",
    weighed goods "1.250 kg"; a negative keeps its sign on the whole number ("-0.250 kg", a
    return or a stock below zero). ``grouped`` separates thousands ("1,234.500")."""
    sign = "-" if qty_milli < 0 else ""
    whole, frac = divmod(abs(qty_milli), QTY_SCALE)
    number = f"{sign}{whole:,}" if grouped else f"{sign}{whole}"
    if by_weight:
        return f"{number}.{frac:03d} kg"
    return number if frac == 0 else f"{number}.{frac:03d}"


def quantity_text(qty_milli: int) -> str:
    """As a person writes it in a form or a spreadsheet cell, and :func:`parse_quantity` reads
    it back: "24", "1.5", "0.25"."""
    sign = "-" if qty_milli < 0 else ""
    whole, frac = divmod(abs(qty_milli), QTY_SCALE)
    return f"{sign}{whole}" + (f".{frac:03d}".rstrip("0") if frac else "")


def value_of(qty_milli: int, unit_price: Centavos) -> Centavos:
    """What ``qty_milli`` costs at ``unit_price`` per piece or kg, rounded half up to the
    centavo (negative quantities too: a shrinkage is worth minus what the same gain is)."""
    return div_round_half_up(unit_price * qty_milli, QTY_SCALE)
