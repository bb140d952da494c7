"""Meta's webhook: verified and stored as it arrives, then worked through once, in the background.

    POST → signature over the raw body (constant time) → each item stored by its id
    (ON CONFLICT DO NOTHING, one statement) → 200. Nothing is stored for a bad or missing
    signature. Only then, outside the request, the workers are rung (``InboxWorker.stored``).

The worker (one asyncio task per server process, rung by its own replica at once and by the
others' NOTIFY, and polling besides) claims events with ``FOR UPDATE SKIP LOCKED`` and a lease,
rolling (more as soon as there is room, each into its person's lane, so one slow answer holds
up nobody else), routes each to its shop and handles it in one
tenant transaction that also stamps it handled: a crash rolls the work back with the stamp,
and the event is taken again after the lease. An inbound message is stored by its wamid in
that transaction, so a second copy (Meta's retry, a replay) finds it and does nothing.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from pydantic import SecretStr

from shared.errors import DomainError
from sync_server.db import Connection, Pool, tenant_tx, unscoped_tx
from sync_server.integrations.graph import (
    GraphAccount,
    GraphClient,
    Recipient,
    envelope,
    text_shape,
)
from sync_server.integrations.graph_errors import reason_for
from sync_server.integrations.whatsapp_webhook import (
    Inbound,
    read_message,
    read_status,
    split,
    valid_signature,
)
from sync_server.repositories import outbound, wa_inbox
from sync_server.services.inbox_writer import InboxWriter
from sync_server.services.listener import Listener
from sync_server.services.server_changes import report_message_states

log = logging.getLogger(__name__)

LEASE_S = 30.0
# The longest one event may take, Graph and the shop's tools included; a handler that hands
# messages to an LLM says its own (its deadline and a margin). The lease is kept at least
# this long ahead of the event about to start, so no replica takes an event still being worked.
WORK_S = 15.0
BATCH = 20
LANES = 2  # people answered side by side; 4 made the webhook's ack p99 ~4x worse under load (README)
STATUS_RETRY_S = 3.0  # a status may beat the send's own record of its wamid: look again soon
MAX_ATTEMPTS = 20
_SHOP_CODE = re.compile(r"\btienda\s*[:#]?\s*([a-z0-9]{4,16})\b", re.IGNORECASE)
CHOOSE_SHOP = ("Hola 👋 Este WhatsApp atiende a varias tiendas. Para hablar con la tuya, escribe "
               "TIENDA y su código (viene en el cartel o en la liga de la tienda), por ejemplo: "
               "TIENDA DONAMARY")


class InvalidSignature(DomainError):
    code = "invalid_signature"


def verify_subscription(verify_token: SecretStr | None, mode: str, token: str) -> bool:
    """Meta's GET check: ``hub.mode=subscribe`` with our verify token."""
    expected = verify_token.get_secret_value() if verify_token else ""
    return bool(expected) and mode == "subscribe" and hmac.compare_digest(token, expected)


async def receive(writer: InboxWriter, app_secret: SecretStr | None, raw: bytes,
                  signature: str | None) -> int:
    """Store every item of one webhook POST; how many it held. Refused (nothing stored) unless
    the signature is the app secret's HMAC of these exact bytes."""
    secret = app_secret.get_secret_value() if app_secret else ""
    if not valid_signature(secret, raw, signature):
        raise InvalidSignature("La firma del webhook no es válida.")
    try:
        payload = json.loads(raw)
    except ValueError:
        raise InvalidSignature("El cuerpo del webhook no es JSON.", code="invalid_json") from None
    items = split(payload)
    if items:
        await writer.store([(i.key, i.kind, i.phone_number_id, i.body) for i in items])
    return len(items)


class MessageHandler(Protocol):
    """The bot, as the worker sees it: answer one inbound message of a shop, once, and stamp
    the event handled in the same transaction as the answer (see bot/conversation.py)."""

    async def __call__(self, pool: Pool, tenant_id: uuid.UUID, number: str, event_key: str,
                       inbound: Inbound) -> None: ...


@dataclass(frozen=True)
class Routed:
    tenant_id: uuid.UUID | None
    outcome: str


class InboxWorker:
    """Works through stored webhook events; ``handle`` is the bot, called per inbound message
    inside the shop's transaction (see :mod:`sync_server.bot.conversation`)."""

    def __init__(self, pool: Pool, handler: MessageHandler, *, shared_number: str | None,
                 platform_account: GraphAccount | None, client: GraphClient | None,
                 poll_s: float = 2.0, work_s: float = WORK_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pool, self.handler, self.shared_number = pool, handler, shared_number
        self.work_s, self.lease_s, self.clock = work_s, max(LEASE_S, 2 * work_s), clock
        self.platform_account, self.client, self.poll_s = platform_account, client, poll_s
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._claim = _Claim(pool, self.lease_s - self.work_s, clock)
        self._lanes: dict[str, collections.deque[wa_inbox.InboxEvent]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._room = asyncio.Semaphore(LANES)  # events worked at once, whatever the lanes

    def subscribe(self, listener: Listener) -> None:
        listener.subscribe(wa_inbox.CHANNEL, lambda _payload: self._wake.set())

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="whatsapp-inbox")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 10.0)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task

    async def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    claimed = await self.fill()
                except Exception:
                    log.exception("WhatsApp inbox pass failed")
                    claimed = 0
                if claimed:
                    continue
                # Rung by a stored event, a lane that ended (room to claim more), or the poll.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
        finally:
            await self.drain()  # cancelled (stop's timeout): the lanes are cancelled with it

    async def run_once(self) -> int:
        """Claim what is due and work it through; how many events were claimed."""
        claimed = await self.fill()
        await self.drain()
        return claimed

    async def fill(self) -> int:
        """Claim due events while fewer than BATCH are in hand and hand each to its person's
        lane, started if it is not running (a rolling claim: a lane still waiting for a slow
        answer keeps only its own person's events waiting, and its own order)."""
        room = BATCH - self._claim.in_hand
        if room <= 0:
            return 0
        started = self.clock()  # before the claim: the lease is reckoned from no later
        async with unscoped_tx(self.pool) as conn:
            events = await wa_inbox.claim(conn, room, self.lease_s)
        self._claim.add(events, started)
        for event in events:
            key = _lane(event)
            lane = self._lanes.get(key)
            if lane is None:
                lane = self._lanes[key] = collections.deque()
                task = asyncio.create_task(self._work_through(key, lane),
                                           name="whatsapp-lane")  # no phone in task names
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            lane.append(event)
        return len(events)

    async def drain(self) -> None:
        """Wait until every lane has worked through what it holds (cancelled: they are too)."""
        while self._tasks:
            running = list(self._tasks)
            try:
                await asyncio.gather(*running)
            except BaseException:
                for task in running:
                    task.cancel()
                await asyncio.gather(*running, return_exceptions=True)
                raise
            await asyncio.sleep(0)  # let their done callbacks run

    async def _work_through(self, key: str, lane: collections.deque[wa_inbox.InboxEvent]) -> None:
        """One person's events, one after another in arrival order (others' side by side)."""
        try:
            while lane:
                event = lane[0]
                async with self._room:
                    await self._work_one(event)
                lane.popleft()
        except Exception:  # the claim's renewal failed (the database): the lease retries them
            log.exception("WhatsApp lane stopped", extra={"events": len(lane)})
        finally:
            # No await between the lane running dry and leaving the map: an event claimed meanwhile
            # either joined this lane before it ran dry or starts a new one.
            for left in lane:
                self._claim.done(left)  # not renewed any more: their lease runs out, retried
            del self._lanes[key]
            self._wake.set()  # room in hand again: claim more

    async def _work_one(self, event: wa_inbox.InboxEvent) -> None:
        try:
            if not await self._claim.still_ours(event):
                return  # its lease ran out and another worker took it
            try:
                await self._handle(event)
            except Exception:  # this event stays claimed; its lease runs out and it is retried
                log.exception("WhatsApp event failed", extra={"event": event.key,
                                                              "attempts": event.attempts})
                if event.attempts >= MAX_ATTEMPTS:
                    async with unscoped_tx(self.pool) as conn:
                        await wa_inbox.mark_handled(conn, event.key, None, "error: gave up")
        finally:
            full = self._claim.in_hand >= BATCH
            self._claim.done(event)
            if full:
                self._wake.set()  # room to claim again, though this lane goes on

    async def _handle(self, event: wa_inbox.InboxEvent) -> None:
        if event.kind == "status":
            await self._status(event)
        elif event.kind == "message":
            await self._message(event)
        else:
            async with unscoped_tx(self.pool) as conn:
                await wa_inbox.mark_handled(conn, event.key, None, "ignored: not a message")

    async def _status(self, event: wa_inbox.InboxEvent) -> None:
        update = read_status(event.body)
        async with unscoped_tx(self.pool) as conn:
            tenant_id = await wa_inbox.message_tenant(conn, update.wamid)
            if tenant_id is None:
                if event.attempts < MAX_ATTEMPTS // 2:
                    return  # our send may not have recorded its wamid yet: the lease retries it
                await wa_inbox.mark_handled(conn, event.key, None, "ignored: unknown message")
                return
        reason = reason_for(update.error_code, update.error_detail or "") if (
            update.status == "failed") else None
        async with tenant_tx(self.pool, tenant_id) as conn:
            moved = await outbound.apply_status(conn, tenant_id, update.wamid, update.status,
                                                update.at, update.error_code, reason)
            if moved is not None:  # the tills learn it (a customer's message): message_status
                await report_message_states(conn, tenant_id, [moved])
            await wa_inbox.mark_handled(conn, event.key, tenant_id,
                                        "status applied" if moved else "status kept: not newer")

    async def _message(self, event: wa_inbox.InboxEvent) -> None:
        inbound = read_message(event.body)
        async with unscoped_tx(self.pool) as conn:
            routed = await self._route(conn, event.phone_number_id, inbound.person.key,
                                       inbound.text)
            if routed.tenant_id is None:
                await wa_inbox.mark_handled(conn, event.key, None, routed.outcome)
        if routed.tenant_id is None:
            if routed.outcome == "no shop chosen":
                await self._ask_for_shop(inbound.person.phone, inbound.person.bsuid)
            return
        await self.handler(self.pool, routed.tenant_id, event.phone_number_id, event.key, inbound)

    async def _route(self, conn: Connection, number: str, person: str | None,
                     text: str) -> Routed:
        own = await wa_inbox.number_tenant(conn, number)
        if own is not None:
            return Routed(own, "own number")
        if not self.shared_number or number != self.shared_number:
            return Routed(None, "ignored: unknown phone_number_id")
        if person is None:
            return Routed(None, "ignored: no sender")
        found = _SHOP_CODE.search(text)
        if found:
            chosen = await wa_inbox.code_tenant(conn, found.group(1).upper())
            if chosen is not None:
                await wa_inbox.choose_shop(conn, number, person, chosen)
                return Routed(chosen, "shop chosen")
        remembered = await wa_inbox.shared_choice(conn, number, person)
        return Routed(remembered, "shared number") if remembered else Routed(None, "no shop chosen")

    async def _ask_for_shop(self, phone: str | None, bsuid: str | None) -> None:
        """The shared number, no shop chosen: the only answer is how to choose one. The event is
        already stamped handled, so this goes at most once (no shop owns it to queue it)."""
        if self.client is None or self.platform_account is None or not (phone or bsuid):
            return
        body = envelope(Recipient(phone, bsuid), text_shape(CHOOSE_SHOP))
        result = await self.client.send(self.platform_account, body)
        log.info("asked which shop", extra={"result": type(result).__name__})


class _Claim:
    """The lease of the events in hand (claimed, not yet done), however many claims brought
    them: renewed for all of them (in one statement) when one of them could run out during the
    next event, so slow answers (an LLM's) keep their events from other replicas however long
    they take, and a dead worker's still expire. ``since`` is no later than any of their claims
    or the last renewal."""

    def __init__(self, pool: Pool, renew_after_s: float, clock: Callable[[], float]) -> None:
        self.pool, self.renew_after_s, self.clock = pool, renew_after_s, clock
        self.since = 0.0
        self.pending: dict[str, int] = {}
        self.lost: set[str] = set()
        self._lock = asyncio.Lock()

    @property
    def in_hand(self) -> int:
        return len(self.pending)

    def add(self, events: list[wa_inbox.InboxEvent], started: float) -> None:
        # The oldest claim or renewal in hand counts (a renewal may have run during this claim).
        self.since = min(self.since, started) if self.pending else started
        self.pending.update((e.key, e.attempts) for e in events)

    async def still_ours(self, event: wa_inbox.InboxEvent) -> bool:
        async with self._lock:
            if self.clock() - self.since > self.renew_after_s:
                self.since = self.clock()
                async with unscoped_tx(self.pool) as conn:
                    kept = await wa_inbox.renew(conn, self.pending)
                self.lost |= set(self.pending) - kept
        return event.key not in self.lost

    def done(self, event: wa_inbox.InboxEvent) -> None:
        self.pending.pop(event.key, None)
        self.lost.discard(event.key)


def _lane(event: wa_inbox.InboxEvent) -> str:
    """Whose event this is, on which number: the person's BSUID or WhatsApp id (a status's
    recipient), else the event alone."""
    who = None
    for part, fields in (("contact", ("user_id", "wa_id")), ("message", ("from_user_id", "from")),
                         ("status", ("recipient_user_id", "recipient_id"))):
        found = event.body.get(part)
        if isinstance(found, dict):
            who = who or next((str(found[f]) for f in fields if found.get(f)), None)
    return f"{event.phone_number_id}:{who}" if who else event.key


__all__ = ["InboxWorker", "InvalidSignature", "MessageHandler", "receive", "verify_subscription"]
