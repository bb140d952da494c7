"""Runs database work off the Qt thread, one job at a time, and hands results back to the Qt thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from pos_client.ui.qt import QObject, Signal

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Relay(QObject):
    # Emitted from the worker thread; Qt queues it to the thread this object lives in.
    finished = Signal(object)


class Worker:
    """A single background thread: jobs run in submission order, callbacks run on the Qt thread.

    One thread means the UI's own writes never contend with each other, as in Anki's taskman.
    """

    def __init__(self, name: str = "pos-db") -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._relay = _Relay()
        self._relay.finished.connect(lambda deliver: deliver())
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

        def deliver(future: Future[T]) -> None:
            def on_qt_thread() -> None:
                self._in_flight -= 1
                exc = future.exception()
                try:
                    if exc is None:
                        if on_done:
                            on_done(future.result())
                    elif on_error:
                        on_error(exc)
                    else:
                        log.error("background job failed", exc_info=exc)
                except RuntimeError as gone:
                    # The window that asked was closed meanwhile (its widgets are deleted):
                    # the job is done and there is nobody left to show its result to.
                    if "already deleted" not in str(gone):
                        raise
                    log.debug("result for a closed window dropped: %s", gone)

            self._relay.finished.emit(on_qt_thread)

        self._pool.submit(job).add_done_callback(deliver)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking jobs. ``wait=False`` for a thread that may be stuck on a device (a
        printer out of paper): closing the till must not hang on it."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
