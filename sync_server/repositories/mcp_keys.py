"""The owner's API keys for MCP clients: a hash of each secret, its scope, its use, revocation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sync_server.repositories import Connection


@dataclass(frozen=True, slots=True)
class KeyRow:
    key_id: uuid.UUID
    name: str
    secret_hash: bytes
    hint: str
    role: str
    can_write: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


_COLUMNS = """key_id, name, secret_hash, hint, role, can_write, created_at, last_used_at,
              revoked_at"""


async def insert(conn: Connection, tenant_id: uuid.UUID, key_id: uuid.UUID, name: str,
                 secret_hash: bytes, hint: str, role: str, can_write: bool) -> None:
    await conn.execute(
        """INSERT INTO mcp_keys (tenant_id, key_id, name, secret_hash, hint, role, can_write)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        tenant_id, key_id, name, secret_hash, hint, role, can_write)


async def get(conn: Connection, tenant_id: uuid.UUID, key_id: uuid.UUID) -> KeyRow | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM mcp_keys WHERE tenant_id = $1 AND key_id = $2",
                              tenant_id, key_id)
    return KeyRow(**dict(row)) if row else None


async def list_all(conn: Connection, tenant_id: uuid.UUID) -> list[KeyRow]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM mcp_keys WHERE tenant_id = $1 "
                            "ORDER BY created_at", tenant_id)
    return [KeyRow(**dict(r)) for r in rows]


async def set_writes(conn: Connection, tenant_id: uuid.UUID, key_id: uuid.UUID,
                     can_write: bool) -> bool:
    done: str = await conn.execute(
        """UPDATE mcp_keys SET can_write = $3
           WHERE tenant_id = $1 AND key_id = $2 AND revoked_at IS NULL""",
        tenant_id, key_id, can_write)
    return done.endswith(" 1")


async def revoke(conn: Connection, tenant_id: uuid.UUID, key_id: uuid.UUID) -> None:
    await conn.execute(
        """UPDATE mcp_keys SET revoked_at = now()
           WHERE tenant_id = $1 AND key_id = $2 AND revoked_at IS NULL""", tenant_id, key_id)


async def touch(conn: Connection, tenant_id: uuid.UUID, key_id: uuid.UUID) -> None:
    """Stamp the key's last use, at most once a minute."""
    await conn.execute(
        """UPDATE mcp_keys SET last_used_at = now()
           WHERE tenant_id = $1 AND key_id = $2
             AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')""",
        tenant_id, key_id)
