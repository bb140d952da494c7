"""Shop owners and their logins."""

from __future__ import annotations

import uuid

import asyncpg

from sync_server.repositories import Connection


async def insert(
    conn: Connection, tenant_id: uuid.UUID, owner_id: uuid.UUID, name: str,
    email: str | None, phone: str | None, password_hash: str,
) -> None:
    await conn.execute(
        """INSERT INTO owners (tenant_id, owner_id, name, email, phone, password_hash)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        tenant_id, owner_id, name, email, phone, password_hash,
    )


async def find_login(conn: Connection, login: str) -> asyncpg.Record | None:
    """(tenant_id, owner_id, password_hash) for an email or phone, across all tenants."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM mch_owner_login($1)", login
    )
    return row


async def login_taken(conn: Connection, email: str | None, phone: str | None) -> bool:
    for login in (email, phone):
        if login and await find_login(conn, login):
            return True
    return False


async def update_hash(
    conn: Connection, tenant_id: uuid.UUID, owner_id: uuid.UUID, password_hash: str
) -> None:
    await conn.execute(
        "UPDATE owners SET password_hash = $3 WHERE tenant_id = $1 AND owner_id = $2",
        tenant_id, owner_id, password_hash,
    )


async def password_hash(conn: Connection, tenant_id: uuid.UUID, owner_id: uuid.UUID
                        ) -> str | None:
    """The owner's stored password (None: no such owner), which a live session is tied to."""
    found: str | None = await conn.fetchval(
        "SELECT password_hash FROM owners WHERE tenant_id = $1 AND owner_id = $2",
        tenant_id, owner_id)
    return found


async def exists(conn: Connection, tenant_id: uuid.UUID, owner_id: uuid.UUID) -> bool:
    """Whether the shop still has this owner (a session outlives nothing it names)."""
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM owners WHERE tenant_id = $1 AND owner_id = $2)",
        tenant_id, owner_id)
    return found
