"""A product's stock from its facts, the one rule the till and the server both follow.

A physical count is a fact that says "at this moment (its hlc), the shelf held N". Stock is
the last count plus every movement, sale and return stamped after it; a fact stamped at or
before the count is already inside it, whenever it arrives. Without a count, stock is the sum
of every fact, as before counts were absolute.

The last count is the one with the highest ``(hlc, id)``. Two tills counting the same product
offline: the later count wins whole, and the facts stamped between the two counts are inside
it (the later count saw the shelf after them). The earlier count stays in the history; it
changes nothing once the later one is known. A fact whose hlc equals the count's is inside it.

The order is the hybrid clock's, not arrival: a sale rung up offline before the count and
synced after it is not subtracted again. A till whose clock is hours ahead stamps its sales
"after" a count taken meanwhile on a till with the right time; within the same clock that is
what happened.

The till keeps a cache of this (``stock`` table, triggers and a view in its migrations) and the
server a view (``product_stock``); both are checked against :func:`stock_milli`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Count:
    """A physical count of one product. ``id`` is the count's id as canonical UUID text: the
    tie-break for two counts with one stamp (text order equals PostgreSQL's uuid order)."""

    id: str
    hlc: int
    counted_milli: int


@dataclass(frozen=True, slots=True)
class Move:
    """A fact that moved stock, signed: movements as they are, a sale's line out (negative),
    a return's line back in."""

    hlc: int
    qty_milli: int


def last_count(counts: Iterable[Count]) -> Count | None:
    """The count stock starts from: the highest ``(hlc, id)``."""
    return max(counts, key=lambda c: (c.hlc, c.id), default=None)


def is_after(move_hlc: int, count: Count | None) -> bool:
    """Whether a fact stamped ``move_hlc`` moves stock on top of ``count`` (not inside it)."""
    return count is None or move_hlc > count.hlc


def stock_milli(counts: Iterable[Count], moves: Iterable[Move]) -> int:
    """The product's stock: its last count plus the facts stamped after it."""
    last = last_count(counts)
    base = last.counted_milli if last else 0
    return base + sum(m.qty_milli for m in moves if is_after(m.hlc, last))
