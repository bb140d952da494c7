"""A connection back in the pool carries nothing to the next user: the pool skips asyncpg's
RESET ALL round trip (db.create_pool), so this checks what makes that safe — the tenant scope
is transaction-local, and a transaction left open is rolled back on release."""

from __future__ import annotations

import pytest

from shared.ids import new_uuid7
from sync_server import db
from sync_server.repositories import tenants

pytestmark = pytest.mark.anyio


async def test_a_released_connection_carries_no_tenant_and_no_transaction(database_url, settings):
    pool = await db.create_pool(settings.app_dsn(database_url), 1)  # one connection, reused
    try:
        tenant_id = new_uuid7()
        async with db.tenant_tx(pool, tenant_id) as conn:
            await tenants.insert(conn, tenant_id, "Tienda", "America/Mexico_City")
        async with db.unscoped(pool) as conn:
            assert not await conn.fetchval("SELECT current_setting('app.tenant_id', true)")
        lost = new_uuid7()

        async def fails_midway() -> None:
            async with db.tenant_tx(pool, lost) as conn:
                await tenants.insert(conn, lost, "Perdida", "America/Mexico_City")
                raise RuntimeError("a failure mid-transaction")

        with pytest.raises(RuntimeError):
            await fails_midway()
        async with db.unscoped(pool) as conn:  # an open transaction, never closed by its user
            await conn.execute("BEGIN")
            await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
        async with db.unscoped(pool) as conn:
            assert not conn.is_in_transaction()
            assert not await conn.fetchval("SELECT current_setting('app.tenant_id', true)")
        async with db.tenant_tx(pool, lost) as conn:
            assert await tenants.get_name(conn, lost) is None  # rolled back
        async with db.tenant_tx(pool, tenant_id) as conn:
            assert await tenants.get_name(conn, tenant_id) == "Tienda"
    finally:
        await pool.close()
