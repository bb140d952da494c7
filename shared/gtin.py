"""GTIN check digits (EAN-8, UPC-A, EAN-13, GTIN-14): whether a run of digits is a whole retail code."""

from __future__ import annotations

GTIN_LENGTHS = frozenset({8, 12, 13, 14})


def check_digit(body: str) -> int:
    """The check digit for ``body`` (every digit but the last): weights 3, 1, 3… from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_gtin(code: str) -> bool:
    """"7501055300075" → True; the same code missing a digit, or with one changed → False."""
    return (len(code) in GTIN_LENGTHS and code.isascii() and code.isdigit()
            and check_digit(code[:-1]) == int(code[-1]))
