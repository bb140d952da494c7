"""Money as integer centavos: arithmetic helpers, es-MX formatting and parsing of typed amounts."""

from __future__ import annotations

import re
from typing import TypeAlias

from shared.errors import InvalidAmount

Centavos: TypeAlias = int

# Nobody at a corner-shop counter types a million pesos; larger values are a slip of the finger.
MAX_TYPED_CENTAVOS: Centavos = 100_000_000  # $1,000,000.00

_MAX_TYPED_CHARS = 24
_MAX_WHOLE_DIGITS = len(str(MAX_TYPED_CENTAVOS // 100))
# ASCII digits only: other scripts' digits are not something a cashier meant to type.
_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})+")
_PLAIN = re.compile(r"[0-9]+")


def div_round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounding halves away from zero (the rounding people expect on a ticket)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return sign * quotient


def format_mxn(amount: Centavos) -> str:
    """``123450`` → ``"$1,234.50"``; negatives as ``"-$12.00"``."""
    sign = "-" if amount < 0 else ""
    pesos, cents = divmod(abs(amount), 100)
    return f"{sign}${pesos:,}.{cents:02d}"


def parse_mxn(text: str, *, allow_negative: bool = False) -> Centavos:
    """Parse what a cashier types: ``"12.5"``, ``"$1,200"``, ``"1200.00"``, ``" 20 "``.

    Commas are thousands separators only (es-MX writes ``1,200.50``); anything ambiguous
    such as ``"12,5"`` or more than two decimals is refused rather than guessed.
    """
    raw = text.strip()
    if len(raw) > _MAX_TYPED_CHARS:  # a stuck key or a paste, not an amount
        raise InvalidAmount("El importe es demasiado largo. Escríbelo de nuevo.")
    negative = raw.startswith("-")
    if negative:
        raw = raw[1:].lstrip()
    if raw.startswith("$"):
        raw = raw[1:].lstrip()  # "$ 15" is how some people write it
    if negative and not allow_negative:
        raise InvalidAmount("El importe no puede ser negativo.")
    whole, dot, fraction = raw.partition(".")
    if not whole and dot and fraction:
        whole = "0"
    if not (_PLAIN.fullmatch(whole) or _GROUPED.fullmatch(whole)):
        raise InvalidAmount(f"«{text.strip()}» no es un importe válido. Ejemplo: 125.50")
    if dot and not re.fullmatch(r"[0-9]{0,2}", fraction):
        raise InvalidAmount("Usa como máximo dos decimales (centavos).")
    digits = whole.replace(",", "").lstrip("0") or "0"
    if len(digits) > _MAX_WHOLE_DIGITS:  # also keeps int() away from absurdly long strings
        raise InvalidAmount("El importe es demasiado grande.")
    cents = int(digits) * 100 + int((fraction or "0").ljust(2, "0"))
    if cents > MAX_TYPED_CENTAVOS:
        raise InvalidAmount(f"El importe {format_mxn(cents)} es demasiado grande.")
    return -cents if negative else cents
