"""The shop's tools: the audit of every call, and each write's answer kept under its key."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync_server.repositories import Connection


@dataclass(frozen=True, slots=True)
class CallRecord:
    call_id: uuid.UUID
    channel: str
    actor: str
    role: str
    tool: str
    write: bool
    outcome: str
    code: str | None
    duration_ms: int


async def record(conn: Connection, tenant_id: uuid.UUID, call: CallRecord) -> None:
    await conn.execute(
        """INSERT INTO tool_calls (tenant_id, call_id, channel, actor, role, tool, write, outcome,
                                   code, duration_ms)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        tenant_id, call.call_id, call.channel, call.actor[:200], call.role, call.tool[:80],
        call.write, call.outcome, call.code, call.duration_ms)


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime
    channel: str
    actor: str
    role: str
    tool: str
    write: bool
    outcome: str
    code: str | None


async def recent(conn: Connection, tenant_id: uuid.UUID, limit: int) -> list[AuditRow]:
    rows = await conn.fetch(
        """SELECT at, channel, actor, role, tool, write, outcome, code FROM tool_calls
           WHERE tenant_id = $1 ORDER BY at DESC, call_id DESC LIMIT $2""", tenant_id, limit)
    return [AuditRow(**dict(r)) for r in rows]


@dataclass(frozen=True, slots=True)
class Claim:
    """Whether this call may do the write (``fresh``), or one with the same key did it already
    (``result``, or None while that one has not committed… which cannot be seen: see claim)."""

    fresh: bool
    same_arguments: bool
    result: dict[str, Any] | None


async def claim(
    conn: Connection, tenant_id: uuid.UUID, tool: str, key: str, arguments_hash: bytes
) -> Claim:
    """Take ``key`` for this write, or find who took it. A concurrent call with the same key
    waits here on the unique index until the first commits (then finds its answer) or rolls
    back (then takes the key itself): one of them writes, never both."""
    taken = await conn.fetchval(
        """INSERT INTO tool_writes (tenant_id, tool, idempotency_key, arguments_hash)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true""",
        tenant_id, tool, key, arguments_hash)
    if taken:
        return Claim(True, True, None)
    row = await conn.fetchrow(
        """SELECT arguments_hash, result FROM tool_writes
           WHERE tenant_id = $1 AND tool = $2 AND idempotency_key = $3""", tenant_id, tool, key)
    assert row is not None  # committed by the call that took the key
    result = json.loads(row["result"]) if row["result"] is not None else None
    return Claim(False, bytes(row["arguments_hash"]) == arguments_hash, result)


async def save_result(
    conn: Connection, tenant_id: uuid.UUID, tool: str, key: str, result_json: str
) -> None:
    await conn.execute(
        """UPDATE tool_writes SET result = $4::jsonb
           WHERE tenant_id = $1 AND tool = $2 AND idempotency_key = $3""",
        tenant_id, tool, key, result_json)
