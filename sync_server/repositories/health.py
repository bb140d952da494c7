"""The smallest round trip to the database, for the readiness probe."""

from __future__ import annotations

from sync_server.repositories import Connection


async def ping(conn: Connection) -> None:
    await conn.fetchval("SELECT 1")
