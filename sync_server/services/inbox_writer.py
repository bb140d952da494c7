"""The webhook's one write: a POST's events stored in one statement, the POST answered once they
are durable, and the workers rung afterwards, outside the request.

Meta waits for our 200 and retries for days without it, so the answer waits for the event to
be on disk, and for nothing else: one INSERT in autocommit (one round trip instead of BEGIN,
INSERT, NOTIFY, COMMIT). Batching POSTs into one statement was tried and measured slower (one
flush in flight queues the POSTs behind it; concurrent commits already share WAL flushes).

The ring goes after the answer: this replica's worker at once, the others by one NOTIFY per
burst (their polls besides). A NOTIFY in the storing transaction would also order every
webhook's commit behind a lock PostgreSQL takes for notifying commits; at 200 POSTs a second
on this machine that was not measurable on its own (the ack's tail swings with the shared
machine's load: README), but the webhook has no reason to wait for the workers' wake-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sync_server.db import Pool, unscoped
from sync_server.repositories import wa_inbox

log = logging.getLogger(__name__)

Item = tuple[str, str, str, dict[str, Any]]  # event key, kind, phone_number_id, body


class InboxWriter:
    def __init__(self, pool: Pool, wake_local: Callable[[], None] | None = None) -> None:
        self.pool, self.wake_local = pool, wake_local
        self._ring = asyncio.Event()  # a NOTIFY for the other replicas is due
        self._ringer: asyncio.Task[None] | None = None

    async def store(self, items: Sequence[Item]) -> None:
        """Returns once ``items`` are committed (a key already stored is kept as it was)."""
        async with unscoped(self.pool) as conn:  # one INSERT: atomic, durable at its end
            await wa_inbox.store(conn, _unique(list(items)))
        self._rung()

    def _rung(self) -> None:
        if self.wake_local is not None:
            self.wake_local()
        self._ring.set()
        if self._ringer is None or self._ringer.done():
            self._ringer = asyncio.create_task(self._notify_others(), name="whatsapp-inbox-ring")

    async def _notify_others(self) -> None:
        while self._ring.is_set():
            self._ring.clear()
            try:
                async with unscoped(self.pool) as conn:
                    await wa_inbox.notify(conn)
            except Exception as exc:  # the others poll: late, never lost
                log.warning("could not ring the other replicas", extra={"error": str(exc)})
                return

    async def stop(self) -> None:
        if self._ringer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ringer, 5.0)


def _unique(items: list[Item]) -> list[Item]:
    """One row per key (a POST may carry the same item twice): the first is kept."""
    seen: dict[str, Item] = {}
    for item in items:
        seen.setdefault(item[0], item)
    return list(seen.values())
