"""The tenants table: one row per shop, holding the head of its change feed."""

from __future__ import annotations

import uuid

from sync_server.repositories import Connection


async def insert(conn: Connection, tenant_id: uuid.UUID, name: str, timezone: str) -> None:
    await conn.execute(
        "INSERT INTO tenants (tenant_id, name, timezone) VALUES ($1, $2, $3)",
        tenant_id, name, timezone,
    )


async def get_name(conn: Connection, tenant_id: uuid.UUID) -> str | None:
    name: str | None = await conn.fetchval(
        "SELECT name FROM tenants WHERE tenant_id = $1", tenant_id
    )
    return name


async def get_timezone(conn: Connection, tenant_id: uuid.UUID) -> str | None:
    zone: str | None = await conn.fetchval(
        "SELECT timezone FROM tenants WHERE tenant_id = $1", tenant_id)
    return zone


async def lock_feed_head(conn: Connection, tenant_id: uuid.UUID) -> int:
    """Lock the tenant row until commit and return the last feed sequence number.

    Every writer to the feed passes here first, so feed numbers are handed out and committed
    in the same order: once seq N is visible, every seq below N is visible too.
    """
    head: int | None = await conn.fetchval(
        "SELECT feed_seq FROM tenants WHERE tenant_id = $1 FOR UPDATE", tenant_id
    )
    if head is None:
        raise LookupError(f"tenant {tenant_id} not found")
    return head


async def set_feed_head(conn: Connection, tenant_id: uuid.UUID, head: int) -> None:
    await conn.execute("UPDATE tenants SET feed_seq = $2 WHERE tenant_id = $1", tenant_id, head)


async def feed_head(conn: Connection, tenant_id: uuid.UUID) -> int:
    head: int = await conn.fetchval("SELECT feed_seq FROM tenants WHERE tenant_id = $1", tenant_id)
    return head
