"""The stock rule on its own: the last count, and what is stamped after it."""

from __future__ import annotations

import pytest

from shared.stock import Count, Move, last_count, stock_milli

pytestmark = pytest.mark.unit


def test_without_a_count_stock_is_every_fact():
    assert stock_milli([], [Move(5, 10_000), Move(7, -3000), Move(2, 1000)]) == 8000


def test_facts_stamped_at_or_before_the_count_are_inside_it():
    count = Count("a", 10, 4000)
    assert stock_milli([count], [Move(9, -1000), Move(10, -1000), Move(11, -500)]) == 3500


def test_of_two_offline_counts_the_later_one_wins_whole():
    """Till A counts 10 at t=10, till B counts 8 at t=20; a sale between them is inside B's."""
    a, b = Count("a", 10, 10_000), Count("b", 20, 8000)
    moves = [Move(15, -1000), Move(25, -1000)]
    assert stock_milli([a, b], moves) == stock_milli([b, a], moves) == 7000
    assert last_count([Count("b", 20, 1), Count("a", 20, 2)]) == Count("b", 20, 1)  # tie: id
