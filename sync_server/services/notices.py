"""Change notices: a till waits on the server and pulls as soon as its shop's feed moves.

Every commit that extends a shop's feed sends ``NOTIFY mch_feed '<tenant>:<head>'``; the one
LISTEN connection of this process (services/listener.py) hands it here, and each waiting till
of that shop is woken in memory. Every replica listens, so a till connected to one replica
hears the commits of the others. When the LISTEN connection was lost, every waiter is woken to
read its shop's head again (it may have missed a notice).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator

from sync_server.db import Pool, tenant_tx
from sync_server.repositories import feed, tenants
from sync_server.services.credentials import DeviceCredential
from sync_server.services.device_sync import authenticate
from sync_server.services.listener import Listener


class NoticeHub:
    def __init__(self) -> None:
        self._waiters: dict[uuid.UUID, set[asyncio.Event]] = defaultdict(set)
        self._closing = asyncio.Event()

    def subscribe(self, listener: Listener) -> None:
        listener.subscribe(feed.CHANNEL, self._on_notify)

    @property
    def waiting(self) -> int:
        return sum(len(w) for w in self._waiters.values())

    def close(self) -> None:
        """Server shutdown: every stream ends, and its till reconnects to a live replica."""
        self._closing.set()
        for events in self._waiters.values():
            for event in events:
                event.set()

    def _on_notify(self, payload: str | None) -> None:
        if payload is None:  # the LISTEN connection came back: anyone may have missed one
            targets = [e for events in self._waiters.values() for e in events]
        else:
            tenant, _, _head = payload.partition(":")
            try:
                targets = list(self._waiters.get(uuid.UUID(tenant), ()))
            except ValueError:
                return
        for event in targets:
            event.set()

    async def stream(self, pool: Pool, cred: DeviceCredential, cursor: int, *,
                     heartbeat_s: float, max_s: float) -> AsyncIterator[bytes]:
        """Server-sent events: ``event: feed`` with the shop's head whenever it passes what the
        till has; a comment line every ``heartbeat_s`` (so no proxy takes the stream for idle);
        the stream ends after ``max_s`` or at shutdown, and the till connects again."""
        tenant_id = cred.tenant_id
        event = asyncio.Event()
        self._waiters[tenant_id].add(event)
        loop = asyncio.get_running_loop()
        ends = loop.time() + max_s
        try:
            yield b"retry: 2000\n\n"
            sent = cursor
            woken = True  # read the head at once: it may already be past the till's cursor
            while not self._closing.is_set():
                if woken:
                    # Only when woken: an idle stream costs no database work, only its pings
                    # (thousands of waiting tills must not read their heads every heartbeat).
                    event.clear()
                    head = await _head(pool, cred)
                    if head > sent:
                        sent = head
                        yield f'event: feed\ndata: {{"head": {head}}}\n\n'.encode()
                left = ends - loop.time()
                if left <= 0:
                    return
                try:
                    await asyncio.wait_for(event.wait(), min(heartbeat_s, left))
                    woken = True
                except TimeoutError:
                    woken = False
                    yield b": ping\n\n"
        finally:
            waiters = self._waiters.get(tenant_id)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    with contextlib.suppress(KeyError):
                        del self._waiters[tenant_id]


async def _head(pool: Pool, cred: DeviceCredential) -> int:
    """The shop's feed head, for a device that is still paired (a revoked one is refused)."""
    async with tenant_tx(pool, cred.tenant_id) as conn:
        await authenticate(conn, cred)
        return await tenants.feed_head(conn, cred.tenant_id)
