"""Cursor safety: devices push at the same time while another pulls in a loop; nothing is skipped."""

from __future__ import annotations

import threading
import uuid

import pytest

from pos_client.sync.client import SyncClient
from shared.catalog import starter_product_id
from shared.hlc import HybridClock
from tests.support.changes import movement

pytestmark = pytest.mark.e2e

PUSHERS, BATCHES, BATCH = 4, 15, 20


def test_a_puller_ends_with_every_change_pushed_concurrently(server, shop, paired_device,
                                                           small_catalog):
    devices = [paired_device(f"caja-{i}") for i in range(PUSHERS + 1)]
    puller, pushers = devices[0], devices[1:]
    product = starter_product_id(small_catalog[0].barcode)  # facts name the shop's things
    pushed: set[uuid.UUID] = set()
    pushed_lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def push(pos) -> None:
        client, clock = SyncClient(server.url, pos.device.credential), HybridClock()
        try:
            for b in range(BATCHES):
                changes = [movement(b * BATCH + i + 1, product, 1000, clock) for i in range(BATCH)]
                results = client.push([c.model_dump_json() for c in changes]).results
                assert {r.status for r in results} == {"accepted"}
                with pushed_lock:
                    pushed.update(c.change_id for c in changes)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            client.close()

    client = SyncClient(server.url, puller.device.credential)
    _, cursor = _pull_all(client, 0)  # the shop's catalog, before the pushers start
    received: list[uuid.UUID] = []
    seqs: list[int] = []
    threads = [threading.Thread(target=push, args=(pos,)) for pos in pushers]
    for t in threads:
        t.start()
    watcher = threading.Thread(target=lambda: ([t.join() for t in threads], done.set()))
    watcher.start()
    while True:
        finished = done.is_set()  # read before pulling: a pull after the last push sees it all
        items, cursor = _pull_all(client, cursor)
        received += [item.change.change_id for item in items]
        seqs += [item.seq for item in items]
        if finished:
            break
    watcher.join()
    client.close()

    assert not errors, errors
    assert len(pushed) == PUSHERS * BATCHES * BATCH
    assert len(received) == len(set(received)), "a change was delivered twice"
    assert set(received) == pushed, f"missing {len(pushed - set(received))} changes"
    assert seqs == sorted(seqs)


def _pull_all(client: SyncClient, cursor: int):
    items = []
    while True:
        page = client.pull(cursor, limit=50)
        items += page.items
        cursor = page.cursor
        if not page.has_more:
            return items, cursor
