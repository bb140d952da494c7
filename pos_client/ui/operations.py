"""Named operations: how a screen asks the services for something, off the Qt thread.

As in Anki's ``aqt.operations``: a screen names what it wants done as a function of the till
(``lambda till: catalog_admin.save_product(till, draft, …)``), says what to do with the answer,
and runs it on the till's one database worker. The screen never opens a connection and never
waits: the answer comes back on the Qt thread. ::

    Operation(ctx, lambda till: reports.by_day(till, period)).success(self.show).run()

A failure the person can act on (a ``DomainError``) goes to ``failure`` with its Spanish
message; anything else is logged and reported as a generic Spanish message, so a screen never
shows an English traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from shared.errors import DomainError

if TYPE_CHECKING:
    from pos_client.services.till import Till
    from pos_client.ui.worker import Worker

log = logging.getLogger(__name__)
T = TypeVar("T")

UNEXPECTED = "Algo salió mal y no se guardó nada. Inténtalo de nuevo; si se repite, avisa al soporte."


class Runs(Protocol):
    """Where operations run: the till they are about and its one database worker (the app's
    ``AppContext``; the first-start wizard, before there is one)."""

    @property
    def till(self) -> Till: ...

    @property
    def worker(self) -> Worker: ...


def explain(exc: BaseException) -> str:
    """What to tell the person about a failed operation, in Spanish."""
    if isinstance(exc, DomainError):
        return exc.message
    return UNEXPECTED


class Operation(Generic[T]):
    """One request from a screen to the services, run on the till's database worker."""

    def __init__(self, ctx: Runs, op: Callable[[Till], T]) -> None:
        self._ctx = ctx
        self._op = op
        self._success: Callable[[T], Any] | None = None
        self._failure: Callable[[str], Any] | None = None
        self._finally: Callable[[], Any] | None = None

    def success(self, callback: Callable[[T], Any]) -> Operation[T]:
        """Called on the Qt thread with the services' answer."""
        self._success = callback
        return self

    def failure(self, callback: Callable[[str], Any]) -> Operation[T]:
        """Called on the Qt thread with the Spanish explanation of what went wrong."""
        self._failure = callback
        return self

    def always(self, callback: Callable[[], Any]) -> Operation[T]:
        """Called on the Qt thread after success or failure (re-enable a button, say)."""
        self._finally = callback
        return self

    def run(self) -> None:
        till = self._ctx.till
        self._ctx.worker.submit(lambda: self._op(till), self._on_success, self._on_failure)

    def _on_success(self, result: T) -> None:
        try:
            if self._success:
                self._success(result)
        finally:
            if self._finally:
                self._finally()

    def _on_failure(self, exc: BaseException) -> None:
        try:
            if not isinstance(exc, DomainError):
                log.error("operation failed", exc_info=exc)
            if self._failure:
                self._failure(explain(exc))
        finally:
            if self._finally:
                self._finally()
