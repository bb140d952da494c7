"""Folios: a sale's human number, ``<device code>-<number>`` ("C1-000042"), one series per till;
how they are written, searched by number, and read back (the till and the server)."""

from __future__ import annotations

import re

FOLIO_DIGITS = 6  # zero-padded, so folios sort and line up on a ticket; longer numbers still fit


def format_folio(device_code: str, number: int) -> str:
    """The folio of the ``number``-th sale of the till whose code is ``device_code``."""
    if number < 1:
        raise ValueError("folio numbers start at 1")
    return f"{device_code}-{number:0{FOLIO_DIGITS}d}"


def folio_ending(number: int) -> str:
    """What the folio of the ``number``-th sale ends with on every till ("-000042"): a person
    who reads "42" off a ticket finds it whichever till sold it."""
    return f"-{number:0{FOLIO_DIGITS}d}"


def folio_pattern(device_code: str) -> str:
    """A regular expression matched by every folio of one till's series, with the number as its
    one group. It reads the same in Python and in PostgreSQL (``folio ~ pattern``,
    ``substring(folio from pattern)``), so the server finds a series' last number with it."""
    return rf"^{re.escape(device_code)}-([0-9]+)$"


def folio_number(folio: str, device_code: str) -> int | None:
    """The number of ``folio`` in the series of ``device_code``; None for another series."""
    m = re.fullmatch(folio_pattern(device_code), folio)
    return int(m.group(1)) if m else None
