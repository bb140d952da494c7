"""What the shop says about itself: name, time zone, address and phone (its settings record,
else what the shop was created with)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sync_server.repositories import Connection


@dataclass(frozen=True, slots=True)
class ShopProfile:
    name: str
    timezone: str
    address: str | None
    phone: str | None


async def profile(conn: Connection, tenant_id: uuid.UUID) -> ShopProfile | None:
    row = await conn.fetchrow(
        """SELECT COALESCE(s.shop_name, t.name) AS name, COALESCE(s.timezone, t.timezone) AS timezone,
                  s.address, s.phone
           FROM tenants t
           LEFT JOIN LATERAL (
               SELECT shop_name, timezone, address, phone FROM shop_settings
               WHERE tenant_id = t.tenant_id AND NOT deleted
               ORDER BY hlc DESC LIMIT 1) s ON true
           WHERE t.tenant_id = $1""", tenant_id)
    return ShopProfile(**dict(row)) if row else None
