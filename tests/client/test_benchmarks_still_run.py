"""The commit benchmarks run against today's schema (they write bare rows themselves, so a new
column breaks them silently until someone measures). Figures are not checked here: numbers
are measured by `python -m benchmarks`, never asserted by a test."""

from __future__ import annotations

import pytest

from benchmarks.checkout import sale_commit_ratio
from benchmarks.client_sale import sale_commit

pytestmark = pytest.mark.unit


def test_the_sale_commit_benchmarks_run():
    ratio = sale_commit_ratio()["checkout.sale_commit_ratio"]
    assert ratio > 0
    assert set(sale_commit()) >= {"client.sale_commit_ms"}
