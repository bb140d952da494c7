"""API keys an owner makes for MCP clients (Claude Desktop, ChatGPT…): scoped to one shop,
read-only unless the owner lets the key write, revocable, and kept only as a hash.

A key reads ``mchk1.<tenant hex>.<key hex>.<secret>``: the shop and key are in it (no lookup
across shops), the secret is 256 random bits (so a plain SHA-256 is enough, compared in
constant time) and is shown once, when made.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.errors import DomainError
from shared.ids import new_uuid7
from sync_server.db import Pool, tenant_tx
from sync_server.repositories import mcp_keys
from sync_server.repositories.mcp_keys import KeyRow

_PREFIX = "mchk1"
KeyRole = Literal["owner", "staff"]


class KeyNotFound(DomainError):
    code = "not_found"


@dataclass(frozen=True, slots=True)
class McpKey:
    tenant_id: uuid.UUID
    key_id: uuid.UUID
    name: str
    hint: str  # "mchk1…a1b2": enough to tell keys apart
    role: KeyRole
    can_write: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _key(tenant_id: uuid.UUID, row: KeyRow) -> McpKey:
    role: KeyRole = "staff" if row.role == "staff" else "owner"
    return McpKey(tenant_id, row.key_id, row.name, row.hint, role, row.can_write, row.created_at,
                  row.last_used_at, row.revoked_at is not None)


def parse(token: str) -> tuple[uuid.UUID, uuid.UUID, str] | None:
    parts = token.strip().split(".")
    if len(parts) != 4 or parts[0] != _PREFIX or not 20 <= len(parts[3]) <= 100:
        return None
    try:
        return uuid.UUID(hex=parts[1]), uuid.UUID(hex=parts[2]), parts[3]
    except ValueError:
        return None


async def create(pool: Pool, tenant_id: uuid.UUID, name: str, *, can_write: bool = False,
                 role: KeyRole = "owner") -> tuple[McpKey, str]:
    """A new key and its token (shown this once; only its hash is kept)."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80:
        raise DomainError("Ponle a la llave un nombre de hasta 80 letras (p. ej. «Claude en mi "
                          "laptop»).", code="invalid_name")
    key_id, secret = new_uuid7(), secrets.token_urlsafe(32)
    token = f"{_PREFIX}.{tenant_id.hex}.{key_id.hex}.{secret}"
    async with tenant_tx(pool, tenant_id) as conn:
        await mcp_keys.insert(conn, tenant_id, key_id, name, _hash(secret),
                              f"{_PREFIX}…{secret[-4:]}", role, can_write)
        row = await mcp_keys.get(conn, tenant_id, key_id)
    assert row is not None
    return _key(tenant_id, row), token


async def list_keys(pool: Pool, tenant_id: uuid.UUID) -> list[McpKey]:
    async with tenant_tx(pool, tenant_id) as conn:
        return [_key(tenant_id, r) for r in await mcp_keys.list_all(conn, tenant_id)]


async def set_writes(pool: Pool, tenant_id: uuid.UUID, key_id: uuid.UUID, can_write: bool) -> McpKey:
    """Let a key make changes (orders, prices…), or take that back; a revoked key stays so."""
    async with tenant_tx(pool, tenant_id) as conn:
        await mcp_keys.set_writes(conn, tenant_id, key_id, can_write)
        row = await mcp_keys.get(conn, tenant_id, key_id)
    if row is None:
        raise KeyNotFound("No existe esa llave en tu tienda.")
    return _key(tenant_id, row)


async def revoke(pool: Pool, tenant_id: uuid.UUID, key_id: uuid.UUID) -> McpKey:
    """Revoke a key (again is harmless): its next call is refused. Another shop's key looks
    exactly like a missing one."""
    async with tenant_tx(pool, tenant_id) as conn:
        await mcp_keys.revoke(conn, tenant_id, key_id)
        row = await mcp_keys.get(conn, tenant_id, key_id)
    if row is None:
        raise KeyNotFound("No existe esa llave en tu tienda.")
    return _key(tenant_id, row)


async def authenticate(pool: Pool, token: str) -> McpKey | None:
    """The live key behind ``token``, or None (malformed, unknown, wrong secret, revoked)."""
    parsed = parse(token)
    if parsed is None:
        return None
    tenant_id, key_id, secret = parsed
    async with tenant_tx(pool, tenant_id) as conn:
        row = await mcp_keys.get(conn, tenant_id, key_id)
        if row is None or row.revoked_at is not None or \
                not hmac.compare_digest(row.secret_hash, _hash(secret)):
            return None
        await mcp_keys.touch(conn, tenant_id, key_id)
    return _key(tenant_id, row)
