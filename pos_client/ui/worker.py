"""Runs database work off the Qt thread, one job at a time, and hands results back to the Qt thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from pos_client.ui.qt import QObject, Signal

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Relay(QObject):
    # Emitted from a worker thread; Qt queues it to the thread this object lives in.
    finished = Signal(object)


_relay: _Relay | None = None


def _qt_thread_relay() -> _Relay:
    """The one relay of the process, made on the Qt thread (where the first Worker is made).

    It is never destroyed: a relay per Worker died with its Worker, and the last reference to
    a Worker can be dropped on its own thread (a printer job finishing after the till closed)
    or by the garbage collector anywhere, destroying a QObject outside the thread that owns it
    while the Qt thread delivers its events."""
    global _relay
    if _relay is None:
        _relay = _Relay()
        _relay.finished.connect(lambda task: task.deliver())
    return _relay


class _Task(Generic[T]):
    """One job and what to do with its outcome; everything it holds is let go on the Qt thread.

    The job and the callbacks hold screens (an operation's callbacks are a page's methods). If
    the worker thread dropped the last reference to a closed screen, Qt would destroy its
    widgets on the wrong thread; so the worker thread only ever drops an emptied task."""

    __slots__ = ("worker", "job", "on_done", "on_error", "result", "error")

    def __init__(self, worker: Worker, job: Callable[[], T], on_done: Callable[[T], Any] | None,
                 on_error: Callable[[BaseException], Any] | None) -> None:
        self.worker: Worker | None = worker
        self.job: Callable[[], T] | None = job
        self.on_done, self.on_error = on_done, on_error
        self.result: T | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        """On the worker thread: run the job and queue the outcome to the Qt thread."""
        assert self.job is not None
        try:
            self.result = self.job()
        except BaseException as exc:  # noqa: BLE001 — handed to on_error on the Qt thread
            self.error = exc
        _qt_thread_relay().finished.emit(self)

    def deliver(self) -> None:
        """On the Qt thread: hand the outcome over, then let go of everything."""
        worker, result, error = self.worker, self.result, self.error
        on_done, on_error = self.on_done, self.on_error
        self.worker = self.job = self.on_done = self.on_error = self.result = self.error = None
        assert worker is not None
        worker._in_flight -= 1
        try:
            if error is None:
                if on_done:
                    on_done(result)  # type: ignore[arg-type]
            elif on_error:
                on_error(error)
            else:
                log.error("background job failed", exc_info=error)
        except RuntimeError as gone:
            # The window that asked was closed meanwhile (its widgets are deleted):
            # the job is done and there is nobody left to show its result to.
            if "already deleted" not in str(gone):
                raise
            log.debug("result for a closed window dropped: %s", gone)


class Worker:
    """A single background thread: jobs run in submission order, callbacks run on the Qt thread.

    One thread means the UI's own writes never contend with each other, as in Anki's taskman.
    Make it on the Qt thread.
    """

    def __init__(self, name: str = "pos-db") -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        _qt_thread_relay()
        self._in_flight = 0
        self._closed = False

    @property
    def idle(self) -> bool:
        return self._in_flight == 0

    def submit(
        self, job: Callable[[], T], on_done: Callable[[T], Any] | None = None,
        on_error: Callable[[BaseException], Any] | None = None,
    ) -> None:
        if self._closed:  # the window is closing; late timers may still fire
            log.debug("job dropped after shutdown")
            return
        self._in_flight += 1
        self._pool.submit(_Task(self, job, on_done, on_error).run)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking jobs. ``wait=False`` for a thread that may be stuck on a device (a
        printer out of paper): closing the till must not hang on it."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
