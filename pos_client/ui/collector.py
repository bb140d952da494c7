"""Python's cyclic garbage collector runs on the Qt thread, never on a worker thread.

CPython collects reference cycles on whichever thread allocates when its counts pass their
thresholds: in the till that is mostly the database worker (SQLAlchemy) or the sync agent
(httpx, pydantic). A closed screen is usually part of a cycle together with the table models,
timers and dialogs it made without a parent; collected on a worker thread, those Qt objects are
destroyed outside the thread that owns them while the Qt thread paints or delivers events, and
the till dies with a segmentation fault (it did in the test suite: a page's models destroyed on
the pos-db thread, then a crash painting a QGroupBox). Anki disables automatic collection for
the same reason; here CPython's own thresholds still decide when and how much to collect, but a
timer on the Qt thread does the collecting.
"""

from __future__ import annotations

import gc

from pos_client.ui.qt import QCoreApplication, QObject, QTimer

INTERVAL_MS = 250  # short: between ticks a busy worker only piles up garbage, it is not freed


def collect_due() -> int | None:
    """Collect the generation CPython would collect now, on the calling thread (the Qt thread).

    Returns the generation collected, None when nothing was due."""
    thresholds, counts = gc.get_threshold(), gc.get_count()
    if counts[0] < thresholds[0]:
        return None
    # The oldest generation whose count passed its threshold, as CPython chooses it; the
    # counts of the older ones are the collections of the next younger one since their last.
    generation = max(g for g in range(len(counts)) if g == 0 or counts[g] >= thresholds[g])
    gc.collect(generation)
    return generation


class QtThreadCollector(QObject):
    """Owns the timer; made by :func:`collect_on_qt_thread`."""

    def __init__(self, app: QCoreApplication, interval_ms: int) -> None:
        super().__init__(app)
        self._timer = QTimer(self)
        self._timer.timeout.connect(collect_due)
        self._timer.start(interval_ms)
        gc.disable()


def collect_on_qt_thread(app: QCoreApplication, interval_ms: int = INTERVAL_MS) -> QtThreadCollector:
    """Stop automatic collection and collect on the Qt thread from now on. Call it on the Qt
    thread once the application exists; a second call returns the first collector."""
    found = app.findChild(QtThreadCollector)
    return found if isinstance(found, QtThreadCollector) else QtThreadCollector(app, interval_ms)
