"""A version-3 till's sync loop reduced to the wire, after commit 208ca17's
``pos_client/sync/agent.py``: changes numbered 1, 2, 3… in an outbox, pushed in batches and
marked by the server's answers; the feed pulled page by page from a cursor, each page read
by the version-3 models (strict: one key or value they do not know fails the page, as it
would on the released till). Its store is a dict: what it received, by feed number."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

import httpx

from shared.hlc import HybridClock
from shared.ids import new_uuid7
from tests.support.protocol_v3.client import SyncClient
from tests.support.protocol_v3.envelopes import Change, make_change
from tests.support.protocol_v3.payloads import Wire
from tests.support.protocol_v3.protocol import MAX_PUSH_CHANGES, FeedItem

SKIPPED_HEADER = "X-MCH-Skipped"  # version 4's note on a version-3 page (v3 never reads it)


class V3Till:
    def __init__(self, server_url: str, pairing_code: str, name: str = "Caja v3") -> None:
        pairing = SyncClient(server_url)
        try:
            answer = pairing.pair(pairing_code, name)
        finally:
            pairing.close()
        self.device_id, self.code, self.credential = (answer.device_id, answer.device_code,
                                                      answer.credential)
        self.client = SyncClient(server_url, answer.credential)
        # Not part of version 3: the test reads what the server said it left out.
        self.skipped: Counter[str] = Counter()
        self.client._http.event_hooks["response"].append(self._note_skipped)
        self.clock = HybridClock()
        self.seq = 0
        self.outbox: dict[uuid.UUID, tuple[str, str]] = {}  # change id → (body, status)
        self.answers: dict[uuid.UUID, object] = {}
        self.cursor = 0
        self.received: dict[int, FeedItem] = {}

    def close(self) -> None:
        self.client.close()

    def record(self, entity: str, payload: Wire, op: str | None = None) -> Change:
        """A change made at this till: numbered, stamped and queued, as the v3 use cases did."""
        self.seq += 1
        change = make_change(entity, payload, change_id=new_uuid7(), device_seq=self.seq,
                             hlc=self.clock.now(), created_at=datetime.now(UTC), op=op)
        self.outbox[change.change_id] = (change.model_dump_json(), "pending")
        return change

    def push_all(self) -> None:
        pending = [(cid, body) for cid, (body, status) in self.outbox.items()
                   if status == "pending"]
        for start in range(0, len(pending), MAX_PUSH_CHANGES):
            batch = pending[start:start + MAX_PUSH_CHANGES]
            answer = self.client.push([body for _, body in batch])
            for result in answer.results:
                body, _ = self.outbox[result.change_id]
                self.outbox[result.change_id] = (body, result.status)
                self.answers[result.change_id] = result

    def pull_all(self) -> None:
        while True:
            page = self.client.pull(self.cursor, 500)
            for item in page.items:
                self.clock.observe(item.change.hlc)
                self.received[item.seq] = item
            self.cursor = page.cursor
            if not page.has_more:
                return

    def sync(self) -> None:
        self.push_all()
        self.pull_all()

    def _note_skipped(self, response: httpx.Response) -> None:
        said = response.headers.get(SKIPPED_HEADER)
        for pair in filter(None, (said or "").split(",")):
            entity, _, count = pair.partition("=")
            self.skipped[entity] += int(count)
