"""What the owner's account reads and writes beyond logging in: contact data, the verified
WhatsApp number, one-time codes (only their hash), the shop's usage figures."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sync_server.repositories import Connection


@dataclass(frozen=True)
class Owner:
    tenant_id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    whatsapp_verified_at: datetime | None


async def get(conn: Connection, tenant_id: uuid.UUID, owner_id: uuid.UUID) -> Owner | None:
    row = await conn.fetchrow(
        """SELECT tenant_id, owner_id, name, email, phone, whatsapp_verified_at FROM owners
           WHERE tenant_id = $1 AND owner_id = $2""", tenant_id, owner_id)
    return Owner(**dict(row)) if row else None


async def first_email(conn: Connection, tenant_id: uuid.UUID) -> str | None:
    email: str | None = await conn.fetchval(
        """SELECT email FROM owners WHERE tenant_id = $1 AND email IS NOT NULL
           ORDER BY created_at LIMIT 1""", tenant_id)
    return email


async def set_phone_verified(
    conn: Connection, tenant_id: uuid.UUID, owner_id: uuid.UUID, phone: str
) -> None:
    await conn.execute(
        """UPDATE owners SET phone = $3, whatsapp_verified_at = now()
           WHERE tenant_id = $1 AND owner_id = $2""", tenant_id, owner_id, phone)


async def put_code(
    conn: Connection, tenant_id: uuid.UUID, owner_id: uuid.UUID, purpose: str, code_hash: bytes,
    expires_at: datetime,
) -> None:
    """A new code replaces any earlier one of the same purpose (only the last one works)."""
    await conn.execute(
        """INSERT INTO owner_codes (tenant_id, owner_id, purpose, code_hash, expires_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant_id, owner_id, purpose) DO UPDATE
           SET code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at, attempts = 0,
               created_at = now()""", tenant_id, owner_id, purpose, code_hash, expires_at)


async def code_sent_since(
    conn: Connection, tenant_id: uuid.UUID, owner_id: uuid.UUID, purpose: str, seconds: float
) -> bool:
    sent: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM owner_codes WHERE tenant_id = $1 AND owner_id = $2
                          AND purpose = $3 AND created_at > now() - make_interval(secs => $4))""",
        tenant_id, owner_id, purpose, seconds)
    return sent


async def try_code(
    conn: Connection, tenant_id: uuid.UUID, owner_id: uuid.UUID, purpose: str, code_hash: bytes,
    max_attempts: int,
) -> bool:
    """Use the live code if it matches (it is deleted: one use); a wrong guess counts, and a
    code that used up its attempts works no more."""
    used: str = await conn.execute(
        """DELETE FROM owner_codes WHERE tenant_id = $1 AND owner_id = $2 AND purpose = $3
           AND code_hash = $4 AND expires_at > now() AND attempts < $5""",
        tenant_id, owner_id, purpose, code_hash, max_attempts)
    if used.endswith(" 1"):
        return True
    await conn.execute(
        """UPDATE owner_codes SET attempts = attempts + 1
           WHERE tenant_id = $1 AND owner_id = $2 AND purpose = $3""",
        tenant_id, owner_id, purpose)
    return False


@dataclass(frozen=True)
class Usage:
    tills: int  # paired and not revoked
    products: int  # active, not deleted
    users: int  # cashiers (dueño, encargado, cajero), active


async def usage(conn: Connection, tenant_id: uuid.UUID) -> Usage:
    row = await conn.fetchrow(
        """SELECT (SELECT count(*) FROM devices WHERE tenant_id = $1 AND revoked_at IS NULL) AS tills,
                  (SELECT count(*) FROM products
                   WHERE tenant_id = $1 AND active AND NOT deleted) AS products,
                  (SELECT count(*) FROM cashiers
                   WHERE tenant_id = $1 AND active AND NOT deleted) AS users""", tenant_id)
    assert row is not None
    return Usage(row["tills"], row["products"], row["users"])


async def active_tills(conn: Connection, tenant_id: uuid.UUID) -> int:
    n: int = await conn.fetchval(
        "SELECT count(*) FROM devices WHERE tenant_id = $1 AND revoked_at IS NULL", tenant_id)
    return n
