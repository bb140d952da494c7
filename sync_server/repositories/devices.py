"""Devices and pairing codes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sync_server.repositories import Connection


@dataclass(frozen=True)
class DeviceRow:
    tenant_id: uuid.UUID
    device_id: uuid.UUID
    name: str
    code: str
    token_hash: bytes
    last_device_seq: int
    revoked: bool


async def get(conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID) -> DeviceRow | None:
    row = await conn.fetchrow(
        """SELECT tenant_id, device_id, name, code, token_hash, last_device_seq,
                  revoked_at IS NOT NULL AS revoked
           FROM devices WHERE tenant_id = $1 AND device_id = $2""",
        tenant_id, device_id,
    )
    return DeviceRow(**dict(row)) if row else None


async def insert(
    conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID, name: str,
    code: str, token_hash: bytes, last_device_seq: int = 0,
) -> None:
    await conn.execute(
        """INSERT INTO devices (tenant_id, device_id, name, code, token_hash, last_device_seq)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        tenant_id, device_id, name, code, token_hash, last_device_seq,
    )


async def list_all(conn: Connection, tenant_id: uuid.UUID) -> list[DeviceRow]:
    rows = await conn.fetch(
        """SELECT tenant_id, device_id, name, code, token_hash, last_device_seq,
                  revoked_at IS NOT NULL AS revoked
           FROM devices WHERE tenant_id = $1 ORDER BY created_at""",
        tenant_id,
    )
    return [DeviceRow(**dict(r)) for r in rows]


async def count(conn: Connection, tenant_id: uuid.UUID) -> int:
    n: int = await conn.fetchval("SELECT count(*) FROM devices WHERE tenant_id = $1", tenant_id)
    return n


async def lock_seq(conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID) -> int | None:
    """Lock an active device's row for this push; its highest device_seq seen, or None if revoked."""
    value: int | None = await conn.fetchval(
        """SELECT last_device_seq FROM devices
           WHERE tenant_id = $1 AND device_id = $2 AND revoked_at IS NULL FOR UPDATE""",
        tenant_id, device_id,
    )
    return value


async def advance_seq(
    conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID, seq: int
) -> int | None:
    """Record the highest change number seen from a device; None if it was revoked meanwhile."""
    value: int | None = await conn.fetchval(
        """UPDATE devices SET last_device_seq = GREATEST(last_device_seq, $3)
           WHERE tenant_id = $1 AND device_id = $2 AND revoked_at IS NULL
           RETURNING last_device_seq""",
        tenant_id, device_id, seq,
    )
    return value


async def revoke(conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID) -> bool:
    status: str = await conn.execute(
        """UPDATE devices SET revoked_at = now()
           WHERE tenant_id = $1 AND device_id = $2 AND revoked_at IS NULL""",
        tenant_id, device_id,
    )
    return status.endswith(" 1")


async def insert_pairing_code(
    conn: Connection, tenant_id: uuid.UUID, code_hash: bytes, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO pairing_codes (tenant_id, code_hash, expires_at) VALUES ($1, $2, $3)",
        tenant_id, code_hash, expires_at,
    )


async def tenant_for_pairing_code(conn: Connection, code_hash: bytes) -> uuid.UUID | None:
    tenant: uuid.UUID | None = await conn.fetchval("SELECT mch_pairing_tenant($1)", code_hash)
    return tenant


async def use_pairing_code(
    conn: Connection, tenant_id: uuid.UUID, code_hash: bytes, device_id: uuid.UUID
) -> bool:
    """Mark a code used, once: of two devices racing with one code, only one gets True."""
    status: str = await conn.execute(
        """UPDATE pairing_codes SET used_at = now(), device_id = $3
           WHERE tenant_id = $1 AND code_hash = $2 AND used_at IS NULL AND expires_at > now()""",
        tenant_id, code_hash, device_id,
    )
    return status.endswith(" 1")


async def touch_sync(conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID) -> None:
    """Stamp when the device last pushed or pulled; at most once a minute (a "seen lately",
    not a log: a pull every few seconds must not write every time)."""
    await conn.execute(
        """UPDATE devices SET last_sync_at = now()
           WHERE tenant_id = $1 AND device_id = $2
             AND (last_sync_at IS NULL OR last_sync_at < now() - interval '1 minute')""",
        tenant_id, device_id)


async def mark_pulled(conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID) -> None:
    """Stamp a pull (the till pushed its whole outbox just before, so its sales up to then are
    here: the factura global waits on it) and the sync with it; at most once a minute each."""
    await conn.execute(
        """UPDATE devices SET last_pull_at = now(), last_sync_at = now()
           WHERE tenant_id = $1 AND device_id = $2
             AND (last_pull_at IS NULL OR last_pull_at < now() - interval '1 minute')""",
        tenant_id, device_id)


@dataclass(frozen=True)
class DeviceSync:
    device_id: uuid.UUID
    name: str
    code: str
    revoked: bool
    paired_at: datetime
    last_sync_at: datetime | None
    last_sale_at: datetime | None


async def sync_overview(conn: Connection, tenant_id: uuid.UUID) -> list[DeviceSync]:
    """Every device ever paired, with when it last synced and its last sale the server has."""
    rows = await conn.fetch(
        """SELECT d.device_id, d.name, d.code, d.revoked_at IS NOT NULL AS revoked,
                  d.created_at AS paired_at, d.last_sync_at,
                  (SELECT max(s.sold_at) FROM sales s
                   WHERE s.tenant_id = d.tenant_id AND s.device_id = d.device_id) AS last_sale_at
           FROM devices d WHERE d.tenant_id = $1 ORDER BY d.created_at""", tenant_id)
    return [DeviceSync(**dict(r)) for r in rows]


@dataclass(frozen=True)
class SyncMark:
    device_id: uuid.UUID
    name: str
    code: str
    paired_at: datetime
    last_pull_at: datetime | None


async def sync_marks(conn: Connection, tenant_id: uuid.UUID) -> list[SyncMark]:
    """The shop's active devices and when each last pulled."""
    rows = await conn.fetch(
        """SELECT device_id, name, code, created_at AS paired_at, last_pull_at FROM devices
           WHERE tenant_id = $1 AND revoked_at IS NULL ORDER BY created_at""", tenant_id)
    return [SyncMark(**dict(r)) for r in rows]


async def skipped_from(conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID) -> int | None:
    """The lowest feed number a version-3 pull of this device left out, not yet pulled again."""
    value: int | None = await conn.fetchval(
        "SELECT skipped_from FROM devices WHERE tenant_id = $1 AND device_id = $2",
        tenant_id, device_id)
    return value


async def note_skipped(conn: Connection, tenant_id: uuid.UUID, device_id: uuid.UUID,
                       seq: int | None) -> None:
    """Keep the lowest left-out feed number (``seq``), or forget it (None: pulled again)."""
    await conn.execute(
        "UPDATE devices SET skipped_from = CASE WHEN $3::bigint IS NULL THEN NULL "
        "ELSE LEAST(COALESCE(skipped_from, $3), $3) END "
        "WHERE tenant_id = $1 AND device_id = $2", tenant_id, device_id, seq)
