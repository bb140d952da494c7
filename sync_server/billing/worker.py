"""The billing worker: one asyncio task per server process that handles stored Stripe events
and shops' payment notifications, each once.

For each event: claim it (own committed transaction: ``claimed_at``, ``attempts + 1``, SKIP
LOCKED so two replicas never take the same one), handle it with no transaction open while it
talks to the provider, then stamp ``handled_at`` with the outcome. A worker that dies leaves a
claim that another picks up after the lease: handling re-reads the provider's state and grants
under unique keys, so doing it again changes nothing. Errors are retried with a growing wait
(never dropped: an event may carry a payment).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from shared.errors import DomainError
from sync_server import db
from sync_server.billing import pay_events, stripe_sync
from sync_server.billing.context import Billing
from sync_server.billing.retry import RETRY_BASE_S, backoff
from sync_server.repositories import stripe_events

log = logging.getLogger(__name__)

CLAIM_LEASE_S = 300.0  # far longer than handling one event takes


async def stripe_pass(billing: Billing, retry_base_s: float = RETRY_BASE_S, limit: int = 200) -> int:
    """Handle due Stripe events, one at a time; how many were handled (or deferred)."""
    done = 0
    while done < limit:
        async with db.unscoped_tx(billing.pool) as conn:
            claimed = await stripe_events.claim_one(conn, CLAIM_LEASE_S)
        if claimed is None:
            return done
        try:
            outcome = await stripe_sync.handle(billing, claimed.type, claimed.body)
        except Exception as exc:  # Stripe down, a bug, the database: try again later
            delay = backoff(claimed.attempts, retry_base_s)
            error = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
            log.warning("stripe event will be retried", extra={
                "event_id": claimed.event_id, "type": claimed.type, "error": error[:300],
                "retry_in_s": delay})
            async with db.unscoped_tx(billing.pool) as conn:
                await stripe_events.mark_retry(conn, claimed.event_id, error, delay)
        else:
            async with db.unscoped_tx(billing.pool) as conn:
                await stripe_events.mark_handled(conn, claimed.event_id, outcome)
            log.info("stripe event handled", extra={"event_id": claimed.event_id,
                                                    "type": claimed.type, "outcome": outcome})
        done += 1
    return done


class BillingWorker:
    """Runs the passes every ``poll_s`` seconds, and at once when a webhook stores an event."""

    def __init__(self, billing: Billing, *, listen_dsn: str | None = None,
                 retry_base_s: float | None = None) -> None:
        self.billing = billing
        self.poll_s = billing.settings.billing_poll_s
        self.retry_base_s = billing.settings.billing_retry_base_s if retry_base_s is None \
            else retry_base_s
        self._listen_dsn = listen_dsn
        self._listener: asyncpg.Connection[asyncpg.Record] | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._passes: list[Callable[[], Awaitable[int]]] = [
            lambda: stripe_pass(self.billing, self.retry_base_s),
            lambda: pay_events.pay_pass(self.billing, self.retry_base_s),
        ]

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="billing-worker")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, grace_s: float = 20.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace_s)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        if self._listener and not self._listener.is_closed():
            await self._listener.close()

    async def run_once(self) -> int:
        handled = 0
        for one_pass in self._passes:
            handled += await one_pass()
        return handled

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                await self._listen()
                handled = await self.run_once()
            except Exception:
                log.exception("billing worker pass failed")
                handled = 0
            if handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)

    async def _listen(self) -> None:
        if self._listen_dsn is None or (self._listener and not self._listener.is_closed()):
            return
        try:
            self._listener = await db.listen(self._listen_dsn, stripe_events.CHANNEL,
                                             lambda *_: self._wake.set())
        except Exception as exc:
            log.warning("cannot LISTEN for billing events; polling only", extra={"error": str(exc)})
