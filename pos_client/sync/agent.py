"""The sync agent: push the outbox, pull the feed, on demand and in the background with backoff."""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import TypeAdapter, ValidationError

from pos_client.store.apply import apply_page, put_server_copy
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import meta, outbox
from pos_client.store.repositories.withdraw import withdraw_facts
from pos_client.sync.client import Offline, ServerFailed, SyncClient, SyncRefused
from pos_client.sync.notices import NoticeListener
from shared.clock import utc_now
from shared.sync.envelopes import Change
from shared.sync.protocol import MAX_PUSH_CHANGES, ChangeResult, PairingCodeOut

log = logging.getLogger(__name__)

PULL_INTERVAL_S = 30.0
BACKOFF_MAX_S = 120.0
# Refusals that concern the whole device, not one change: stop and tell the cashier.
_DEVICE_REFUSALS = {"auth_required", "invalid_credential", "device_revoked",
                    "protocol_unsupported", "protocol_too_new", "protocol_missing", "cursor_ahead",
                    "feed_epoch_changed"}
# The one 5xx a change can cause: the server's own failure while applying it. 502/503/504 come
# from a gateway or a server that is down or overloaded (the database unreachable: 503).
_CHANGE_CAN_CAUSE = 500
# How a server restored from an older backup shows itself (docs/sync-protocol.md).
_RESTORED_SERVER = {"feed_epoch_changed", "cursor_ahead"}


@dataclass(frozen=True)
class _ServerFailure:
    """A change the server answered 5xx for, pushed alone."""

    change_id: str
    status: int
    code: str
    message: str

    def rejected(self) -> ChangeResult:
        return ChangeResult(change_id=uuid.UUID(self.change_id), status="rejected",
                            code=self.code, message=self.message)


@dataclass(frozen=True)
class _Refusal:
    """How the server refused a batch: a 4xx (it cannot read a change) or a 5xx (it failed)."""

    status: int
    code: str
    message: str
    server: bool

    def answer(self, change_id: str) -> ChangeResult | _ServerFailure:
        if self.server:
            return _ServerFailure(change_id, self.status, self.code, self.message)
        return ChangeResult(change_id=uuid.UUID(change_id), status="rejected", code=self.code,
                            message=self.message)


@dataclass(frozen=True)
class SyncStatus:
    online: bool | None  # None: not paired, nothing to sync with
    pending: int
    rejected: int
    last_sync: datetime | None
    problem: str | None  # Spanish, for the status bar
    sent: int = 0  # changes the last pass pushed (accepted or already there)
    received: int = 0  # changes the last pass pulled from other tills and the server
    # records the last pass put back as the server holds them (it refused this till's edit)
    replaced: int = 0


class SyncAgent:
    def __init__(
        self, db: Database, device: Device,
        client_factory: Callable[[str, str], SyncClient] = SyncClient,
    ) -> None:
        self.db, self.device = db, device
        self._client_factory = client_factory
        self._client: SyncClient | None = None
        self._lock = threading.Lock()  # one sync pass at a time
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._online: bool | None = None
        self._last_sync: datetime | None = None
        self._problem: str | None = None
        self.on_status: Callable[[SyncStatus], None] | None = None
        # (fraction done 0.0–1.0) while pulling more than one page, e.g. a first sync.
        self.on_progress: Callable[[float], None] | None = None
        self.page_size = 500
        self._identity_checked = False
        self.notices: NoticeListener | None = None  # the server's change notices, once started
        self._failed_head: str | None = None  # first change of the last batch that got a 5xx
        self._sent = self._received = self._replaced = 0  # by the last pass, for "Sincronizar (F5)" to say

    # ---- one pass ---------------------------------------------------------------------------

    def sync_once(self) -> SyncStatus:
        """Push everything pending, then pull everything new. Never raises for network trouble."""
        if not self.device.paired:
            return self.status()
        with self._lock:
            self._sent = self._received = self._replaced = 0
            try:
                if not self._identity_checked:
                    self.check_restored()
                    self._identity_checked = True
                self._sync_pass()
            except Offline as exc:
                self._online, self._problem = False, "Sin conexión: las ventas se guardan aquí."
                log.info("sync offline: %s", exc)
            except SyncRefused as exc:
                self._online, self._problem = True, exc.message
                log.warning("sync refused: %s", exc)
            except Exception:  # a locked or full disk, a bad URL: retry later, never die
                log.exception("sync failed")
                self._online = False
                self._problem = "Error al sincronizar; se reintentará. Las ventas siguen guardadas aquí."
            else:
                self._online, self._problem, self._last_sync = True, None, utc_now()
        status = self.status()
        if self.on_status:
            self.on_status(status)
        return status

    def _sync_pass(self) -> None:
        """Push, then pull, telling the server which feed epoch this store knows. A server
        restored from a backup refuses that (before applying anything, so no change meets a
        server that lost what it builds on): take the restore in, and run the pass again."""
        for attempt in range(2):
            with self.db.read() as conn:
                self._http().known_epoch = meta.get(conn, "feed_epoch")
            try:
                self.push_all()
                self.pull_all()
            except SyncRefused as exc:
                if (attempt or exc.code not in _RESTORED_SERVER
                        or not self.follow_server_restore()):
                    raise
                continue
            self.follow_server_restore()  # the first epoch this store sees is taken as known
            return

    def follow_server_restore(self) -> bool:
        """Compare the server's feed epoch with the one this store last synced with. A new
        epoch means the server came back from an older backup: push again every change it no
        longer has, and pull its feed from the start. Returns True when that happened."""
        seen = self._http().feed_epoch
        if seen is None:
            return False
        with self.db.read() as conn:
            known = meta.get(conn, "feed_epoch")
        if known == seen:
            return False
        if known is None:  # first sync with an epoch-aware server: nothing to compare yet
            with self.db.write() as conn:
                meta.put(conn, "feed_epoch", seen)
            return False
        self._http().known_epoch = seen  # or the server refuses this question too
        state = self._http().me()
        with self.db.write() as conn:
            again = outbox.push_again_after(conn, state.last_device_seq)
            meta.put_many(conn, {"feed_epoch": seen, "pull_cursor": 0})
        log.warning("server restored from a backup (feed epoch %s → %s): %s changes queued again "
                    "after seq %s; pulling from the start", known, seen, again,
                    state.last_device_seq)
        return True

    def push_all(self) -> None:
        while True:
            with self.db.read() as conn:
                batch = outbox.pending(conn, MAX_PUSH_CHANGES)
            if not batch:
                return
            results = self._push_isolating([p.body for p in batch], [p.change_id for p in batch])
            refused = {str(r.change_id) for r in results if r.status == "rejected"}
            self._sent += len(results) - len(refused)
            parsed = [c for c in (_parse(p.body) for p in batch if p.change_id in refused)
                      if c is not None]
            records = [c for c in parsed if c.kind == "record"]
            answers = {r.change_id: r for r in results}
            if records:
                results = [_says_replaced(r) if r.current is not None else r for r in results]
            with self.db.write() as conn:
                outbox.record_results(conn, results, utc_now().isoformat())
                if refused:  # the server won't have them: neither may our stock and lists
                    withdraw_facts(conn, parsed)
                    for change in records:  # nor our records: the server's copy replaces them
                        self._replaced += put_server_copy(
                            conn, change, answers[change.change_id].current)

    def _push_isolating(self, bodies: list[str], change_ids: list[str]) -> list[ChangeResult]:
        """Push a batch; if the server refuses or fails on the batch as a whole, find the culprit.

        A change the server cannot parse (4xx) must not hold back the ones behind it: the batch
        is split at once. A 500 may be the server's bad moment, so the batch is retried; only
        when the same batch (by its first change) fails again is it split. A change is set
        aside for a 500 only if, once others went through (the server works), it still fails
        pushed alone: a server that failed on everything, or recovered during the split, sets
        nothing aside. A 502, 503 or 504 says the server or the way to it is down, never that
        a change is to blame: the pass stops and everything stays pending.
        """
        try:
            return self._push(bodies)
        except ServerFailed as exc:
            if exc.status != _CHANGE_CAN_CAUSE or self._failed_head != change_ids[0]:
                self._failed_head = change_ids[0]
                raise
            refusal = _Refusal(exc.status, exc.code, exc.message, server=True)
        except SyncRefused as exc:
            if exc.code in _DEVICE_REFUSALS or exc.status not in (400, 413, 422):
                raise
            refusal = _Refusal(exc.status, exc.code, exc.message, server=False)
        results = self._split(bodies, change_ids, refusal)
        failures = [r for r in results if isinstance(r, _ServerFailure)]
        if len(failures) == len(results):  # nothing went through: the server is unwell
            raise ServerFailed(failures[0].status, failures[0].code, failures[0].message)
        body_of = dict(zip(change_ids, bodies, strict=True))
        confirmed = {f.change_id: self._confirm(f, body_of[f.change_id]) for f in failures}
        self._failed_head = None
        return [confirmed[r.change_id] if isinstance(r, _ServerFailure) else r for r in results]

    def _confirm(self, failure: _ServerFailure, body: str) -> ChangeResult:
        """Push alone, now that the server has answered others, a change it failed on: its
        answer if it goes through; set aside with the server's answer if it fails again."""
        try:
            (result,) = self._push([body])
        except ServerFailed as exc:
            if exc.status != _CHANGE_CAN_CAUSE:
                raise
            return _ServerFailure(failure.change_id, exc.status, exc.code, exc.message).rejected()
        return result

    def _push(self, bodies: list[str]) -> list[ChangeResult]:
        answer = self._http().push(bodies)
        if answer.gaps:  # changes this device made but no longer has: tell support
            log.error("the server is missing changes of this device: %s", answer.gaps)
        return list(answer.results)

    def _split(self, bodies: list[str], change_ids: list[str],
               refusal: _Refusal) -> list[ChangeResult | _ServerFailure]:
        """Answers for each change of a batch just refused with ``refusal``: push each half,
        splitting again what is refused, down to the one change it is about."""
        if len(bodies) == 1:
            return [refusal.answer(change_ids[0])]
        half = len(bodies) // 2
        return (self._try(bodies[:half], change_ids[:half])
                + self._try(bodies[half:], change_ids[half:]))

    def _try(self, bodies: list[str], change_ids: list[str]) -> list[ChangeResult | _ServerFailure]:
        try:
            return list(self._push(bodies))
        except ServerFailed as exc:
            if exc.status != _CHANGE_CAN_CAUSE:
                raise  # the server (or its gateway) is down: no half is to blame
            refusal = _Refusal(exc.status, exc.code, exc.message, server=True)
        except SyncRefused as exc:
            if exc.code in _DEVICE_REFUSALS or exc.status not in (400, 413, 422):
                raise
            refusal = _Refusal(exc.status, exc.code, exc.message, server=False)
        return self._split(bodies, change_ids, refusal)

    def check_restored(self) -> None:
        """If the server has numbers from this device beyond ours, this store was restored from
        an older backup: continue the folio and change series after them (never reuse one),
        and pull everything again, our own changes included, to get back what was lost."""
        state = self._http().me()
        with self.db.write() as conn:
            local_seq = outbox.next_seq(conn) - 1
            local_folio = meta.get_int(conn, "folio_last")
            if state.last_device_seq <= local_seq and state.last_folio <= local_folio:
                return
            outbox.continue_after(conn, state.last_device_seq)
            meta.put_many(conn, {"folio_last": max(local_folio, state.last_folio),
                                 "pull_cursor": 0, "pull_own": 1})
        log.warning("store restored from an older backup: server has seq %s folio %s, we had %s/%s",
                    state.last_device_seq, state.last_folio, local_seq, local_folio)

    def pull_all(self) -> None:
        with self.db.read() as conn:
            start = cursor = meta.get_int(conn, "pull_cursor")
            own = bool(meta.get_int(conn, "pull_own"))
        while True:
            page = self._http().pull(cursor, self.page_size, include_own=own)
            with self.db.write() as conn:  # the page and the cursor commit together
                apply_page(conn, page.items, self.device.clock)
                self._received += len(page.items)
                meta.put(conn, "pull_cursor", page.cursor)
                if own and not page.has_more:
                    meta.put(conn, "pull_own", 0)
            cursor = page.cursor
            if self.on_progress and (page.has_more or cursor > start):
                # A cursor sent back (changes a version-3 pull left out) counts as no progress.
                span = max(page.head - start, 1)
                self.on_progress(min(1.0, max(0.0, (cursor - start) / span)))
            if not page.has_more:
                return

    def new_pairing_code(self) -> PairingCodeOut:
        """A one-time code to pair another till with this shop (raises Offline/SyncRefused)."""
        return self._http().new_pairing_code()

    def status(self) -> SyncStatus:
        with self.db.read() as conn:
            counts = outbox.counts(conn)
        online = self._online if self.device.paired else None
        return SyncStatus(online, counts.pending, counts.rejected, self._last_sync, self._problem,
                          self._sent, self._received, self._replaced)

    def _http(self) -> SyncClient:
        if self._client is None:
            if not (self.device.server_url and self.device.credential):
                raise RuntimeError("sync needs a paired device")
            self._client = self._client_factory(self.device.server_url, self.device.credential)
        return self._client

    # ---- background -------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sync-agent", daemon=True)
        self._thread.start()
        self.start_notices()

    def start_notices(self) -> None:
        """Pull the moment the server says the shop's feed moved (the poll stays as fallback)."""
        if self.notices is None and self.device.paired and self.device.server_url \
                and self.device.credential:
            self.notices = NoticeListener(self.device.server_url, self.device.credential,
                                          self._pull_cursor, self.request_sync)
            self.notices.start()

    def _pull_cursor(self) -> int:
        with self.db.read() as conn:
            return meta.get_int(conn, "pull_cursor")

    def request_sync(self) -> None:
        """Sync as soon as possible (after a sale, or "Sincronizar ahora")."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self.notices:
            self.notices.stop()
        if self._thread:
            self._thread.join(timeout)
        if self._client:
            self._client.close()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            status = self.sync_once()
            failures = failures + 1 if status.online is False else 0
            delay = PULL_INTERVAL_S if failures == 0 else _backoff(failures)
            self._wake.wait(delay)
            self._wake.clear()


_CHANGE: TypeAdapter[Change] = TypeAdapter(Change)


def _parse(body: str) -> Change | None:
    """A body the server could not read is not ours to interpret either: None, left as it is."""
    try:
        return _CHANGE.validate_json(body)
    except ValidationError:
        return None


def _says_replaced(result: ChangeResult) -> ChangeResult:
    """The refusal as the cashier reads it in "requiere atención", saying what became of it."""
    said = f"{result.message or 'El servidor rechazó el cambio.'} " \
           "Esta caja volvió a los datos del servidor."
    return result.model_copy(update={"message": said})


def _backoff(failures: int) -> float:
    """Exponential backoff with full jitter, so devices coming back online don't stampede."""
    return random.uniform(0.5, min(BACKOFF_MAX_S, 2.0 ** min(failures, 10)))
