"""The feed epoch on every sync answer, so a till notices a server restored from a backup."""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.sync.protocol import FEED_EPOCH_HEADER
from sync_server.db import unscoped_tx
from sync_server.repositories import ops_stats

_SYNC_PATHS = "/v1/sync/"


class FeedEpochHeader:
    """ASGI middleware: ``X-MCH-Feed-Epoch`` on answers under ``/v1/sync/``, refusals included.
    A till that sends the epoch it knows and finds another gets ``409 feed_epoch_changed``
    before its request touches anything: its changes must not meet a server that lost what
    they build on (a return of a sale the restored server never saw would be refused).

    The epoch is read once per process: a restore is done with the server stopped
    (``michangarrito-server restore`` refuses while it has connections).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._epoch: bytes | None = None
        self._lock = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(_SYNC_PATHS):
            await self.app(scope, receive, send)
            return
        epoch = await self._load(scope)
        sent = _header(scope, FEED_EPOCH_HEADER.lower().encode())
        if sent is not None and sent != epoch:
            await _epoch_changed(epoch, send)
            return

        async def send_with_epoch(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (FEED_EPOCH_HEADER.lower().encode(), epoch)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_epoch)

    async def _load(self, scope: Scope) -> bytes:
        """The epoch, read at the first sync request. If it cannot be read the request is not
        served (the error goes to api.errors.CatchAll: 503 while the database is out of reach):
        a till that knows an older epoch must not push into a server restored under it."""
        if self._epoch is None:
            async with self._lock:
                if self._epoch is None:
                    async with unscoped_tx(scope["app"].state.pool, timeout=5) as conn:
                        self._epoch = str(await ops_stats.feed_epoch(conn)).encode()
        return self._epoch


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None


async def _epoch_changed(epoch: bytes, send: Send) -> None:
    body = json.dumps({
        "code": "feed_epoch_changed",
        "message": "El servidor se restauró de un respaldo. La caja vuelve a enviar sus cambios "
                   "y a recibir los de la tienda.",
    }, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 409, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (FEED_EPOCH_HEADER.lower().encode(), epoch)]})
    await send({"type": "http.response.body", "body": body})
