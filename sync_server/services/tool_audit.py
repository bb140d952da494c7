"""Reading the audit of the shop's tool calls (who called which tool, and what came of it)."""

from __future__ import annotations

import uuid

from sync_server.db import Pool, tenant_tx
from sync_server.repositories import tool_calls
from sync_server.repositories.tool_calls import AuditRow


async def recent(pool: Pool, tenant_id: uuid.UUID, limit: int = 100) -> list[AuditRow]:
    async with tenant_tx(pool, tenant_id) as conn:
        return await tool_calls.recent(conn, tenant_id, limit)
