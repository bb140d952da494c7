"""Two server processes on one database serve the same shop at once with identical results."""

from __future__ import annotations

import threading

import httpx
import pytest

from pos_client.sync.client import SyncClient
from shared.catalog import starter_product_id
from shared.hlc import HybridClock
from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.support.changes import movement
from tests.support.process_server import ProcessServer
from tests.support.server import ServerHarness

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_two_replicas_agree(server, shop, paired_device, small_catalog):
    replica = ProcessServer(server.database_url).start()  # a second OS process
    try:
        devices = [paired_device(f"caja-{i}") for i in range(3)]
        product = starter_product_id(small_catalog[0].barcode)  # facts name the shop's things
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
                 and i.change.payload.product_id == product and i.origin_device_id is not None]
        assert len(moved) == 100
        assert [i.seq for i in pages[0].items] == sorted({i.seq for i in pages[0].items})
    finally:
        replica.stop()


SECRET = "replicas-share-this-signing-secret"


def test_an_owner_session_works_on_either_replica(database_url):
    one = ServerHarness(database_url, jwt_secret=SECRET).start()
    two = ProcessServer(database_url, MCH_JWT_SECRET=SECRET).start()
    try:
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
        signed = httpx.post(f"{one.url}/v1/owners/signup", headers=headers, json={
            "shop_name": "Tienda", "owner_name": "Ana", "email": "ana@example.mx",
            "password": "un-secreto-largo"}).json()
        auth = {**headers, "Authorization": f"Bearer {signed['token']}"}
        code = httpx.post(f"{two.url}/v1/pairing-codes", headers=auth).json()["code"]
        paired = httpx.post(f"{one.url}/v1/devices/pair", headers=headers,
                            json={"code": code, "device_name": "Caja"}).json()
        listed = [httpx.get(f"{url}/v1/devices", headers=auth).json() for url in (one.url, two.url)]
        assert listed[0] == listed[1] == [
            {"device_id": paired["device_id"], "name": "Caja", "code": "C1", "revoked": False}]
    finally:
        two.stop()
        one.stop()
