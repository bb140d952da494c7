"""Serve an ASGI app on a loopback port in a thread of its own (uvicorn), for fakes of outside
services; its URL is known as soon as it is made."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import uvicorn

from tests.support.wait import wait_until


class Loopback:
    def __init__(self, app: Any, port: int = 0) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False,
                                                     lifespan="off"))
        self._thread = threading.Thread(target=self._run, name=f"fake-{self.port}", daemon=True)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._server.serve(sockets=[self._sock]))

    def start(self) -> Loopback:
        self._thread.start()
        wait_until(lambda: self._server.started, timeout=20, what="fake service start")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()
