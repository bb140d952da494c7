"""A real sync server for tests: uvicorn on a loopback socket, in a thread with its own loop."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import uvicorn

from sync_server.app import create_app
from sync_server.config import Settings
from tests.support.wait import wait_until

T = TypeVar("T")


class ServerHarness:
    """Owns a bound (not yet listening) loopback socket, so its URL is known before start.

    Until :meth:`start`, connections to the URL are refused, exactly like a server that is down.
    """

    def __init__(self, database_url: str, **settings: Any) -> None:
        self.database_url = database_url
        # No scheduled jobs unless a test asks for them: a tick would otherwise claim whatever
        # happens to be due at the wall clock's hour and write runs under other tests.
        settings.setdefault("jobs_enabled", False)
        self._sock: socket.socket | None = _bind(0)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # Where outside services (fakes) call back: this server's own address.
        settings.setdefault("public_url", self.url)
        self.settings = Settings(database_url=database_url, log_json=False, **settings)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> ServerHarness:
        """Start serving; after :meth:`stop`, starts again on the same port."""
        sock = self._sock or _bind(self.port)
        self._sock = None
        app = create_app(self.settings)
        # Open change-notice streams would hold a graceful shutdown forever: cut them after 2 s
        # (their tills reconnect), as ./bin/server does after MCH_SHUTDOWN_GRACE_S.
        config = uvicorn.Config(app, log_config=None, lifespan="on", access_log=False,
                                proxy_headers=False,  # as `serve` runs it: the app judges them
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self.app = app

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            assert self._server is not None
            self._loop.run_until_complete(self._server.serve(sockets=[sock]))

        self._thread = threading.Thread(target=run, name=f"server-{self.port}", daemon=True)
        self._thread.start()
        wait_until(lambda: self._server is not None and self._server.started, timeout=20,
                   what="server start")
        return self

    def stop(self) -> None:
        if self._server and self._thread:
            self._server.should_exit = True
            self._thread.join(10)
            self._server = self._thread = None
        if self._sock:
            self._sock.close()
            self._sock = None

    def call(self, fn: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
        """Run ``fn(pool)`` on the server's loop with the server's own (RLS-bound) pool."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(fn(self.app.state.pool), self._loop)
        return future.result(30)

    def admin(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Query as the database owner, past row-level security: for assertions only."""

        async def run(_: asyncpg.Pool) -> list[asyncpg.Record]:
            conn = await asyncpg.connect(self.database_url)
            try:
                return await conn.fetch(sql, *args)
            finally:
                await conn.close()

        return self.call(run)


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock
