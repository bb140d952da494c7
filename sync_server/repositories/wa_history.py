"""A WhatsApp conversation's recent turns, as the assistant reads them: what the person wrote
and what the shop answered, oldest first."""

from __future__ import annotations

import uuid
from typing import Literal

from sync_server.repositories import Connection

Said = tuple[Literal["persona", "tienda"], str]


async def recent(conn: Connection, tenant_id: uuid.UUID, contact_id: uuid.UUID, limit: int,
                 within_hours: int = 24) -> list[Said]:
    """The last ``limit`` turns of the past ``within_hours``, oldest first."""
    rows = await conn.fetch(
        """SELECT by, said FROM (
               SELECT 'persona' AS by, text AS said, received_at AS at FROM wa_messages
               WHERE tenant_id = $1 AND contact_id = $2 AND coalesce(text, '') <> ''
                 AND received_at > now() - make_interval(hours => $4)
               UNION ALL
               SELECT 'tienda', body, requested_at FROM outbound_messages
               WHERE tenant_id = $1 AND contact_id = $2 AND coalesce(body, '') <> ''
                 AND requested_at > now() - make_interval(hours => $4)
           ) t ORDER BY at DESC LIMIT $3""",
        tenant_id, contact_id, limit, within_hours)
    return [("persona" if r["by"] == "persona" else "tienda", r["said"]) for r in reversed(rows)]
