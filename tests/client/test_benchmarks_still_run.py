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


@pytest.mark.slow
def test_the_notice_benchmarks_run():
    """Tiny: a handful of sales, five shops' tills (the figures come from the full runs)."""
    from benchmarks.sync_notices import notice_p99, waiting_tills

    notice = notice_p99(sales=5)
    assert notice["sync.notice_p99_ms"] > 0
    assert notice["sync.notice_ratio"] > 0
    waiting = waiting_tills(shop_count=5, tills=4, pushes=10)
    assert waiting["server.waiting_tills"] == 20
    assert waiting["server.waiting_rss_mb"] > waiting["server.idle_rss_mb"] > 0
