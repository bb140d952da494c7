"""A shop with nothing in it, and its tenant transaction, for repository tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from shared.ids import new_uuid7
from sync_server import db
from sync_server.repositories import tenants


@pytest.fixture
async def tenant_id(pool: db.Pool) -> uuid.UUID:
    tid = new_uuid7()
    async with db.tenant_tx(pool, tid) as conn:
        await tenants.insert(conn, tid, "Tienda de pruebas", "America/Mexico_City")
    return tid


@pytest.fixture
async def conn(pool: db.Pool, tenant_id: uuid.UUID) -> AsyncIterator[db.Connection]:
    """One tenant transaction for the whole test, rolled back at the end (nothing commits)."""
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
        yield conn
        await tx.rollback()
