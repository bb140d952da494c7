"""Waiting on a condition with a deadline, instead of sleeping a guessed time."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        pause.wait(0.005)


async def wait_until_async(predicate: Callable[[], object], timeout: float = 10.0,
                           what: str = "condition") -> None:
    """:func:`wait_until` for a test on the event loop: the loop runs between the checks, and
    a predicate may be a coroutine function (a database read)."""
    deadline = time.monotonic() + timeout
    while not await _holds(predicate):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.005)


async def _holds(predicate: Callable[[], object]) -> bool:
    found = predicate()
    return bool(await found if inspect.isawaitable(found) else found)
