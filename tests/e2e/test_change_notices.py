"""Change notices: a till hears of its shop's new changes at once (server-sent events fed by
PostgreSQL NOTIFY) instead of waiting for the 30-second poll; through restarts, idle-cutting
proxies and replicas."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from pos_client.services import accounts
from pos_client.services.till import Till
from sync_server.services import shops
from tests.support.client import pair
from tests.support.idle_proxy import IdleCuttingProxy
from tests.support.server import ServerHarness
from tests.support.wait import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(database_url):
    harness = ServerHarness(database_url, notice_heartbeat_s=0.2).start()
    yield harness
    harness.stop()


def _names(pos) -> set[str]:
    with pos.db.read() as conn:
        return {r[0] for r in conn.execute(text("SELECT name FROM customers"))}


def _change_on(pos, name: str) -> None:
    accounts.save_customer(Till(pos.db, pos.device), accounts.CustomerDraft(name, "", "0"))
    pos.agent.sync_once()


def _listening(pos) -> None:
    pos.agent.start()  # its poll is every 30 s: only a notice can bring a change sooner
    wait_until(lambda: pos.agent.notices and pos.agent.notices.connected.is_set(), timeout=10,
               what="the notice stream open")


def _arrives_within(pos, name: str, seconds: float) -> float:
    started = time.monotonic()
    wait_until(lambda: name in _names(pos), timeout=seconds, what=f"{name} on the other till")
    return time.monotonic() - started


def test_a_change_on_one_till_reaches_the_other_at_once(server, shop, paired_device):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    _listening(b)
    for n in range(3):
        _change_on(a, f"Cliente {n}")
        _arrives_within(b, f"Cliente {n}", 5)
    assert b.agent.notices.notices >= 3


def test_the_stream_survives_a_server_restart(server, shop, paired_device):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    _listening(b)
    server.stop()
    wait_until(lambda: not b.agent.notices.connected.is_set(), timeout=10, what="the stream lost")
    server.start()
    wait_until(lambda: b.agent.notices.connected.is_set(), timeout=15, what="the stream back")
    _change_on(a, "Después del reinicio")
    _arrives_within(b, "Después del reinicio", 5)


def test_heartbeats_keep_a_proxy_that_cuts_idle_connections_from_cutting(
        server, shop, new_device):
    # Idle limit ten heartbeats long: a loaded CI machine can stall a heartbeat by a second
    # (a 1 s limit was cut once at load 9), never by ten of them.
    proxy = IdleCuttingProxy(server.port, idle_s=2.0)
    try:
        a, b = new_device("caja-1"), new_device("caja-2")
        for pos, url in ((a, server.url), (b, proxy.url)):
            code = server.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
            pair(pos, url, code.code, "caja")
        _listening(b)
        opened = proxy.connections
        relayed = proxy.relayed
        # Three idle periods' worth of heartbeats (0.2 s each) through the proxy, nothing else.
        wait_until(lambda: proxy.relayed >= relayed + 30 * len(b": ping\n\n"), timeout=20,
                   what="heartbeats through the proxy")
        assert proxy.cut == 0
        assert proxy.connections == opened
        _change_on(a, "Por el proxy")
        _arrives_within(b, "Por el proxy", 5)
    finally:
        proxy.close()


def test_a_proxy_that_cuts_the_stream_anyway_costs_a_reconnect_not_the_change(
        server, shop, new_device):
    """Its idle limit (0.1 s) is below the heartbeat (0.2 s): every stream is cut; the till
    connects again, hears the shop's head on connecting, and pulls."""
    proxy = IdleCuttingProxy(server.port, idle_s=0.1)
    try:
        a, b = new_device("caja-1"), new_device("caja-2")
        for pos, url in ((a, server.url), (b, proxy.url)):
            code = server.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
            pair(pos, url, code.code, "caja")
        b.agent.sync_once()
        _listening(b)
        wait_until(lambda: proxy.cut >= 3, timeout=15, what="the proxy cutting streams")
        for n in range(2):
            _change_on(a, f"Pese al proxy {n}")
            _arrives_within(b, f"Pese al proxy {n}", 8)
        assert proxy.cut >= 3
    finally:
        b.agent.stop()
        proxy.close()


def test_a_till_on_one_replica_hears_the_other_replicas_changes(server, shop, new_device):
    replica = ServerHarness(server.database_url, notice_heartbeat_s=0.2).start()
    try:
        a, b = new_device("caja-1"), new_device("caja-2")
        for pos, url in ((a, server.url), (b, replica.url)):
            code = server.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
            pair(pos, url, code.code, "caja")
        _listening(b)
        _change_on(a, "De la otra réplica")
        _arrives_within(b, "De la otra réplica", 5)
    finally:
        b.agent.stop()
        replica.stop()
