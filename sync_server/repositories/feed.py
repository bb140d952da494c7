"""The change feed: every accepted change, numbered per tenant, as devices pull it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from sync_server.repositories import Connection
from sync_server.repositories.bulk import insert_many

# NOTIFY'd with "<tenant>:<head>" by every commit that extends a shop's feed (change notices).
CHANNEL = "mch_feed"


async def known_change_ids(
    conn: Connection, tenant_id: uuid.UUID, change_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    rows = await conn.fetch(
        "SELECT change_id FROM changes WHERE tenant_id = $1 AND change_id = ANY($2::uuid[])",
        tenant_id, list(change_ids),
    )
    return {r["change_id"] for r in rows}


_COLUMNS = [("tenant_id", "uuid"), ("seq", "bigint"), ("change_id", "uuid"),
            ("origin_device_id", "uuid"), ("device_seq", "bigint"), ("entity", "text"),
            ("op", "text"), ("hlc", "bigint"), ("body", "jsonb")]

FeedRow = tuple[uuid.UUID, int, uuid.UUID, uuid.UUID | None, int, str, str, int, str]


async def append(conn: Connection, rows: Sequence[FeedRow]) -> None:
    """Rows: (tenant, seq, change_id, origin_device, device_seq, entity, op, hlc, body_json)."""
    await insert_many(conn, "changes", _COLUMNS, rows)


async def notify(conn: Connection, tenant_id: uuid.UUID, head: int) -> None:
    """Delivered when the caller's transaction commits, to every replica listening."""
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, f"{tenant_id}:{head}")


async def page(
    conn: Connection, tenant_id: uuid.UUID, after: int, upto: int,
    exclude_device: uuid.UUID | None, limit: int,
) -> list[asyncpg.Record]:
    """Feed rows after ``after`` up to ``upto``, but ``exclude_device``'s own (None: every
    change, the server's included)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT seq, origin_device_id, body::text AS body FROM changes
           WHERE tenant_id = $1 AND seq > $2 AND seq <= $3
             AND ($4::uuid IS NULL OR origin_device_id IS DISTINCT FROM $4)
           ORDER BY seq LIMIT $5""",
        tenant_id, after, upto, exclude_device, limit,
    )
    return rows


async def record_history(
    conn: Connection, tenant_id: uuid.UUID, records: Sequence[tuple[str, uuid.UUID]]
) -> list[asyncpg.Record]:
    """Every change the feed holds of these records (entity, id), in feed order: ``entity``,
    ``record_id`` (text), ``origin_device_id`` and ``body`` (text)."""
    if not records:
        return []
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT c.entity, c.body -> 'payload' ->> 'id' AS record_id, c.origin_device_id,
                  c.body::text AS body
           FROM changes c
           JOIN unnest($2::text[], $3::text[]) AS r(entity, record_id)
             ON c.entity = r.entity AND c.body -> 'payload' ->> 'id' = r.record_id
           WHERE c.tenant_id = $1 AND c.op <> 'insert'
           ORDER BY c.seq""",
        tenant_id, [e for e, _ in records], [str(i) for _, i in records])
    return rows
