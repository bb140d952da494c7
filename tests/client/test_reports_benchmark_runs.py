"""The reports benchmark still runs against today's schema (its builder writes rows itself, so a
new column would break it silently until someone measures), and on the builder's months of
varied sales the summaries say what the facts say. No figure is checked here: numbers are
measured by `python -m benchmarks reports.year`, never asserted by a test."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from benchmarks.reports import year_views
from pos_client.services import reports
from pos_client.services.report_period import Preset, spans
from pos_client.services.report_tallies import from_facts
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import load_device
from tests.support.report_store import MX, ShopSize, build_shop

pytestmark = pytest.mark.unit

SMALL = ShopSize(first_day=date(2026, 1, 1), days=100, tickets_per_day=12, products=60, customers=8)


def test_the_reports_benchmark_runs(tmp_path: Path) -> None:
    figures = year_views(SMALL, cache=tmp_path / "cache", runs=2)
    assert set(figures) >= {"reports.day_p95_ms", "reports.month_p95_ms", "reports.year_p95_ms",
                            "reports.bare_sum_ms", "reports.year_ratio"}


def test_a_built_shop_reads_the_same_from_summaries_as_from_its_facts(tmp_path: Path) -> None:
    db = Database(tmp_path / "pos.sqlite3")
    built = build_shop(db, SMALL)
    now = datetime.combine(SMALL.last_day, datetime.min.time(), MX).replace(hour=20).astimezone(UTC)
    till = Till(db, load_device(db), lambda: now)
    while reports.summarize(till):
        pass
    activity = reports.load(till, reports.period_for(Preset.CUSTOM, SMALL.last_day, MX,
                                                     SMALL.first_day, SMALL.last_day))
    with db.read() as tx, tx.begin():
        facts = from_facts(tx, spans(activity.period.days(), MX), per_day=False)
    db.close()
    assert activity.summarized == SMALL.days - 1  # all but today
    got = reports.build(activity, top_n=1_000)
    assert got == reports.build(reports.Activity(activity.period, facts), top_n=1_000)
    assert got.by_day.tickets == built.tickets
    assert got.margin.uncosted_sales > 0  # the first months' lines recorded no cost
