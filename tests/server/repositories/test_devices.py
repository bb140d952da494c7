"""Devices and pairing codes: revocation, device_seq bookkeeping, single-use codes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.clock import utc_now
from shared.ids import new_uuid7
from sync_server.repositories import devices

pytestmark = pytest.mark.anyio


async def test_a_device_is_read_back_listed_counted_and_revoked_once(conn, tenant_id):
    a, b = new_uuid7(), new_uuid7()
    await devices.insert(conn, tenant_id, a, "Caja 1", "C1", b"h" * 32)
    await devices.insert(conn, tenant_id, b, "Caja 2", "C2", b"i" * 32)
    row = await devices.get(conn, tenant_id, a)
    assert row is not None
    assert (row.name, row.code, row.token_hash, row.last_device_seq, row.revoked) == (
        "Caja 1", "C1", b"h" * 32, 0, False)
    assert await devices.count(conn, tenant_id) == 2
    assert (await devices.revoke(conn, tenant_id, a), await devices.revoke(conn, tenant_id, a)) == (
        True, False)
    assert [(d.code, d.revoked) for d in await devices.list_all(conn, tenant_id)] == [
        ("C1", True), ("C2", False)]
    assert await devices.get(conn, tenant_id, new_uuid7()) is None


async def test_device_seq_only_grows_and_a_revoked_device_has_none(conn, tenant_id):
    d = new_uuid7()
    await devices.insert(conn, tenant_id, d, "Caja", "C1", b"h" * 32)
    assert await devices.advance_seq(conn, tenant_id, d, 7) == 7
    assert await devices.advance_seq(conn, tenant_id, d, 3) == 7
    assert await devices.lock_seq(conn, tenant_id, d) == 7
    await devices.revoke(conn, tenant_id, d)
    assert await devices.lock_seq(conn, tenant_id, d) is None
    assert await devices.advance_seq(conn, tenant_id, d, 9) is None


async def test_a_pairing_code_is_found_by_hash_and_used_once(conn, tenant_id):
    fresh, old = b"f" * 32, b"o" * 32
    await devices.insert_pairing_code(conn, tenant_id, fresh, utc_now() + timedelta(minutes=10))
    await devices.insert_pairing_code(conn, tenant_id, old, utc_now() - timedelta(seconds=1))
    assert await devices.tenant_for_pairing_code(conn, fresh) == tenant_id
    assert await devices.tenant_for_pairing_code(conn, old) is None
    assert await devices.use_pairing_code(conn, tenant_id, old, new_uuid7()) is False
    assert await devices.use_pairing_code(conn, tenant_id, fresh, new_uuid7()) is True
    assert await devices.use_pairing_code(conn, tenant_id, fresh, new_uuid7()) is False
    assert await devices.tenant_for_pairing_code(conn, fresh) is None
