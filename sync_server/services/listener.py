"""One PostgreSQL LISTEN connection per server process, its notifications fanned out in memory.

Every replica listens, so each sees every commit's NOTIFY (the change feed, outbound messages,
webhook events). The connection is kept open: when it drops it is opened again, and every
subscriber is then called with ``None`` ("you may have missed something: look again").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import asyncpg

from sync_server.db import listen

log = logging.getLogger(__name__)

Callback = Callable[[str | None], None]


class Listener:
    def __init__(self, app_dsn: str | None, *, retry_s: float = 1.0) -> None:
        self._dsn, self._retry_s = app_dsn, retry_s
        self._subscribers: dict[str, list[Callback]] = defaultdict(list)
        self._conn: asyncpg.Connection[asyncpg.Record] | None = None
        self._lost = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def subscribe(self, channel: str, callback: Callback) -> None:
        """Call ``callback(payload)`` for each NOTIFY on ``channel`` (subscribe before start)."""
        self._subscribers[channel].append(callback)

    def start(self) -> None:
        if self._dsn is not None and self._subscribers:
            self._task = asyncio.create_task(self._run(), name="pg-listener")

    async def stop(self) -> None:
        self._stopping.set()
        self._lost.set()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._close()

    async def _run(self) -> None:
        first = True
        while not self._stopping.is_set():
            try:
                await self._open()
            except Exception as exc:  # the database is down or refuses: try again
                log.warning("cannot LISTEN; subscribers poll meanwhile", extra={"error": str(exc)})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._retry_s)
                continue
            if not first:
                self._tell_all(None)  # notifications may have been missed while it was down
            first = False
            self.connected.set()
            await self._lost.wait()
            self.connected.clear()
            await self._close()

    async def _open(self) -> None:
        assert self._dsn is not None
        self._lost.clear()
        channels = list(self._subscribers)
        conn = await listen(self._dsn, channels[0], self._on_notify)
        for channel in channels[1:]:
            await conn.add_listener(channel, self._on_notify)
        conn.add_termination_listener(lambda _conn: self._lost.set())
        self._conn = conn

    async def _close(self) -> None:
        if self._conn and not self._conn.is_closed():
            with contextlib.suppress(Exception):
                await self._conn.close()
        self._conn = None

    def _on_notify(self, _conn: Any, _pid: int, channel: str, payload: object) -> None:
        for callback in self._subscribers.get(channel, ()):
            callback(str(payload))

    def _tell_all(self, payload: str | None) -> None:
        for callbacks in self._subscribers.values():
            for callback in callbacks:
                callback(payload)
