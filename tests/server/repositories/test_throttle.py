"""Attempts per (scope, key) in a window; old ones are forgotten as new ones come."""

from __future__ import annotations

import pytest

from sync_server import db
from sync_server.repositories import throttle

pytestmark = pytest.mark.anyio


async def test_attempts_are_counted_per_scope_and_key_and_forgotten(pool, admin):
    async with db.unscoped_tx(pool) as conn:
        first = await throttle.record(conn, "login", "addr:a", 600)
        await throttle.record(conn, "login", "addr:a", 600)
        await throttle.record(conn, "pairing", "addr:a", 600)
        assert await throttle.recent(conn, "login", "addr:a", 600) == 2
        assert await throttle.recent(conn, "login", "addr:b", 600) == 0
        await throttle.forget(conn, [first])
        assert await throttle.recent(conn, "login", "addr:a", 600) == 1
    await admin.execute("UPDATE auth_attempts SET at = now() - interval '11 minutes'")
    async with db.unscoped_tx(pool) as conn:
        assert await throttle.recent(conn, "login", "addr:a", 600) == 0
        await throttle.record(conn, "login", "addr:a", 600)  # and the stale one goes
    assert await admin.fetchval("SELECT count(*) FROM auth_attempts WHERE scope = 'login'") == 1
