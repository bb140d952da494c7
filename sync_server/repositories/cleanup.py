"""Deleting what has served its purpose: expired pairing codes, old throttle attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sync_server.repositories import Connection


def _count(status: str) -> int:
    return int(status.split()[-1])


async def expired_pairing_codes(conn: Connection, tenant_id: uuid.UUID, before: datetime) -> int:
    """The shop's pairing codes that expired before ``before`` (used or not)."""
    return _count(await conn.execute(
        "DELETE FROM pairing_codes WHERE tenant_id = $1 AND expires_at < $2", tenant_id, before))


async def old_auth_attempts(conn: Connection, before: datetime) -> int:
    """Throttle attempts older than any window counts (global: the guesser has no shop)."""
    return _count(await conn.execute("DELETE FROM auth_attempts WHERE at < $1", before))
