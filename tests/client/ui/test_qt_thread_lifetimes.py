"""Screens die on the Qt thread: neither the database worker nor the garbage collector on a
worker thread may drop the last reference to them (Qt would destroy their widgets there)."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Callable

from pos_client.ui.worker import Worker

QT_THREAD = threading.main_thread().name


class _Screen:
    """Stands for a closed page: records on which thread its last reference went."""

    def __init__(self, released_on: list[str]) -> None:
        weakref.finalize(self, lambda: released_on.append(threading.current_thread().name))

    def show(self, answer: object) -> None:
        pass


def _job_of(screen: _Screen, go: threading.Event) -> Callable[[], int]:
    def job() -> int:  # an operation's job often names its screen
        go.wait(5)
        return id(screen)

    return job


def _failing_job_of(screen: _Screen) -> Callable[[], int]:
    def fail() -> int:
        raise ValueError(id(screen))  # its traceback holds this frame, and so the screen

    return fail


def test_a_job_is_let_go_on_the_qt_thread(qtbot, worker: Worker) -> None:
    released_on: list[str] = []
    screen = _Screen(released_on)
    go = threading.Event()
    worker.submit(_job_of(screen, go))
    del screen  # the page was closed while its job ran: the job holds the last reference
    go.set()
    qtbot.waitUntil(lambda: worker.idle)
    worker.shutdown()  # the worker thread is gone: whatever it held, it has let go of
    assert released_on == [QT_THREAD]


def test_callbacks_are_let_go_on_the_qt_thread(qtbot, worker: Worker) -> None:
    released_on: list[str] = []
    screen = _Screen(released_on)
    go = threading.Event()
    worker.submit(lambda: go.wait(5), screen.show)
    del screen
    go.set()
    qtbot.waitUntil(lambda: worker.idle)
    worker.shutdown()
    assert released_on == [QT_THREAD]


def test_a_failed_job_is_let_go_on_the_qt_thread_too(qtbot, worker: Worker) -> None:
    released_on: list[str] = []
    screen = _Screen(released_on)
    failures: list[BaseException] = []
    worker.submit(_failing_job_of(screen), on_error=failures.append)
    del screen
    qtbot.waitUntil(lambda: worker.idle)
    worker.shutdown()
    assert [type(f) for f in failures] == [ValueError]
    failures.clear()  # the screen's failure was shown; its traceback goes
    assert released_on == [QT_THREAD]


def test_cycles_are_collected_on_the_qt_thread_not_where_memory_is_allocated(qtbot) -> None:
    gc.collect()  # the young generations start empty: the cycle below is the youngest garbage
    collected_on: list[str] = []
    screen = _Screen(collected_on)
    screen.itself = screen  # type: ignore[attr-defined]  # a cycle, as pages with models form
    del screen
    kept: list[list[int]] = []
    busy = threading.Thread(target=lambda: kept.extend([] for _ in range(5_000)), name="pos-db")
    busy.start()  # allocating far past gen 0's threshold: CPython would collect on this thread
    busy.join()
    assert collected_on == []
    qtbot.waitUntil(lambda: collected_on == [QT_THREAD])  # the collector's timer did it
