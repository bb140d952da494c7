"""The back room's reports over a shop's two years: three tills, ~220,000 tickets and ~1,000,000
lines. Measures the day, month and year views as the Reportes page loads them when the owner
picks a period (every report of the period), the fiado aging it loads beside them on opening
and on F5, the year before its days are summarized and the summarizing itself, against a bare
``SELECT sum(total) FROM sales`` on the same file in the same run."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from benchmarks.registry import benchmark
from pos_client.services import reports
from pos_client.services.report_period import Preset
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import load_device
from pos_client.store.migrations import MIGRATIONS
from tests.support.report_store import MX, ShopSize, build_shop

TWO_YEARS = ShopSize(first_day=date(2025, 1, 1), days=730, tickets_per_day=301)
CACHE = Path(".bench/reports-2y")
_BUILDER = 1  # bump when the builder changes, so a cached store is built again


def _store(size: ShopSize, cache: Path | None) -> tuple[Path, str]:
    """A store holding the shop's facts (built once per builder and schema version, then
    copied: every run starts with no summaries)."""
    schema = hashlib.sha256("".join(MIGRATIONS).encode()).hexdigest()[:16]
    stamp = f"{_BUILDER}-{schema}-{size}"
    if cache is None or not (cache / "stamp").exists() or (cache / "stamp").read_text() != stamp:
        folder = cache or Path(tempfile.mkdtemp(prefix="reports-build-"))
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        db = Database(folder / "pos.sqlite3")
        built = build_shop(db, size)
        db.close()
        (folder / "built").write_text(f"{built.tickets} tickets, {built.lines} lines, "
                                      f"{built.returns} returns\n")
        (folder / "stamp").write_text(stamp)
        cache = folder
    return cache / "pos.sqlite3", (cache / "built").read_text().strip()


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return round(ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)], 1)


def _timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def year_views(size: ShopSize = TWO_YEARS, cache: Path | None = CACHE, runs: int = 30) -> dict[str, float]:
    """Figures for one shop; ``size``, ``cache`` and ``runs`` let a test run it small."""
    source, built = _store(size, cache)
    print(f"reports store: {built}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pos.sqlite3"
        shutil.copy(source, path)
        db = Database(path)
        # The evening of the last day: "today" and "yesterday" are always read from the facts.
        now = datetime.combine(size.last_day, datetime.min.time(), MX).replace(hour=20).astimezone(UTC)
        till = Till(db, load_device(db), lambda: now)
        year = (date(size.last_day.year, 1, 1), size.last_day)

        def view(preset: Preset, first: date | None = None, last: date | None = None) -> Callable[[], object]:
            return lambda: reports.run(till, preset, first, last)

        cold = _timed(view(Preset.CUSTOM, *year), max(1, runs // 10))
        passes = _timed(lambda: reports.summarize(till), 1)
        while reports.summarize(till):
            passes += _timed(lambda: reports.summarize(till), 1)
        day = _timed(view(Preset.TODAY), runs)
        month = _timed(view(Preset.MONTH), runs)
        warm_year = _timed(view(Preset.CUSTOM, *year), runs)
        aging = _timed(lambda: reports.aging(till), runs)
        db.close()
        bare = sqlite3.connect(path)
        bare_sum = _timed(lambda: bare.execute("SELECT sum(total) FROM sales").fetchone(), runs)
        bare.close()
    year_p95 = _p95(warm_year)
    return {
        "reports.day_p95_ms": _p95(day),
        "reports.month_p95_ms": _p95(month),
        "reports.year_p95_ms": year_p95,
        "reports.aging_p95_ms": _p95(aging),
        "reports.year_unsummarized_ms": round(statistics.median(cold), 1),
        "reports.summarize_pass_p95_ms": _p95(passes),
        "reports.summarize_all_s": round(sum(passes) / 1000, 2),
        "reports.bare_sum_ms": round(statistics.median(bare_sum), 1),
        "reports.year_ratio": round(year_p95 / max(statistics.median(bare_sum), 0.001), 2),
    }


@benchmark("reports.year")
def year() -> dict[str, float]:
    return year_views()
