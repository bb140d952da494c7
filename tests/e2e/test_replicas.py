"""Two server processes on one database serve the same shop at once with identical results."""

from __future__ import annotations

import threading
import uuid

import pytest

from pos_client.sync.client import SyncClient
from shared.hlc import HybridClock
from tests.support.changes import movement
from tests.support.server import ServerHarness

pytestmark = pytest.mark.e2e


def test_two_replicas_agree(server, shop, paired_device):
    replica = ServerHarness(server.database_url).start()
    try:
        devices = [paired_device(f"caja-{i}") for i in range(3)]
        product = uuid.uuid4()
        errors: list[BaseException] = []

        def push(pos, url: str, start: int) -> None:
            client, clock = SyncClient(url, pos.device.credential), HybridClock()
            try:
                for b in range(5):
                    batch = [movement(start + b * 10 + i, product, 1000, clock) for i in range(10)]
                    results = client.push([c.model_dump_json() for c in batch]).results
                    assert {r.status for r in results} == {"accepted"}
                    # the same batch again through the other replica: all duplicates
                    other = replica.url if url == server.url else server.url
                    again = SyncClient(other, pos.device.credential)
                    try:
                        dupes = again.push([c.model_dump_json() for c in batch]).results
                    finally:
                        again.close()
                    assert {r.status for r in dupes} == {"duplicate"}
            except BaseException as exc:
                errors.append(exc)
            finally:
                client.close()

        threads = [threading.Thread(target=push, args=(pos, url, 1))
                   for pos, url in zip(devices[:2], (server.url, replica.url), strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors

        reader = devices[2]
        pages = []
        for url in (server.url, replica.url):
            client = SyncClient(url, reader.device.credential)
            try:
                pages.append(client.pull(0, limit=1000))
            finally:
                client.close()
        assert pages[0] == pages[1]
        moved = [i for i in pages[0].items if i.change.entity == "inventory_movement"
                 and i.change.payload.product_id == product]
        assert len(moved) == 100
        assert [i.seq for i in pages[0].items] == sorted({i.seq for i in pages[0].items})
    finally:
        replica.stop()
