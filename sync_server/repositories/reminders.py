"""The fiado reminders' weekly cap: when each customer was last reminded."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sync_server.repositories import Connection


async def last_reminded(conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID
                        ) -> datetime | None:
    at: datetime | None = await conn.fetchval(
        "SELECT last_at FROM fiado_reminders WHERE tenant_id = $1 AND customer_id = $2",
        tenant_id, customer_id)
    return at


async def take_week(conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID,
                    now: datetime, week: timedelta) -> bool:
    """Hold this customer's reminder of the week: True for the one caller (of any replica, after
    any restart) that moves ``last_at`` to ``now``; False if they were reminded within ``week``.
    The row stays locked until the caller's transaction ends, with the message it queues."""
    taken: bool | None = await conn.fetchval(
        """INSERT INTO fiado_reminders AS r (tenant_id, customer_id, last_at)
           VALUES ($1, $2, $3)
           ON CONFLICT (tenant_id, customer_id) DO UPDATE
               SET last_at = EXCLUDED.last_at, reminders = r.reminders + 1
               WHERE r.last_at <= EXCLUDED.last_at - $4::interval
           RETURNING true""", tenant_id, customer_id, now, week)
    return bool(taken)
