"""A shop's integrations: settings in the clear, secrets as the vault sealed them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync_server.repositories import Connection


@dataclass(frozen=True)
class StoredIntegration:
    kind: str
    settings: dict[str, Any]
    secret: bytes | None
    secret_hint: dict[str, str]
    updated_at: datetime


async def get(conn: Connection, tenant_id: uuid.UUID, kind: str) -> StoredIntegration | None:
    row = await conn.fetchrow(
        """SELECT kind, settings, secret, secret_hint, updated_at FROM tenant_integrations
           WHERE tenant_id = $1 AND kind = $2""", tenant_id, kind)
    return _integration(row) if row else None


async def list_all(conn: Connection, tenant_id: uuid.UUID) -> list[StoredIntegration]:
    rows = await conn.fetch(
        """SELECT kind, settings, secret, secret_hint, updated_at FROM tenant_integrations
           WHERE tenant_id = $1 ORDER BY kind""", tenant_id)
    return [_integration(r) for r in rows]


async def put(
    conn: Connection, tenant_id: uuid.UUID, kind: str, settings: dict[str, Any],
    secret: bytes | None, secret_hint: dict[str, str],
) -> None:
    await conn.execute(
        """INSERT INTO tenant_integrations (tenant_id, kind, settings, secret, secret_hint)
           VALUES ($1, $2, $3::jsonb, $4, $5::jsonb)
           ON CONFLICT (tenant_id, kind) DO UPDATE
           SET settings = EXCLUDED.settings, secret = EXCLUDED.secret,
               secret_hint = EXCLUDED.secret_hint, updated_at = now()""",
        tenant_id, kind, json.dumps(settings), secret, json.dumps(secret_hint))


async def delete(conn: Connection, tenant_id: uuid.UUID, kind: str) -> bool:
    done: str = await conn.execute(
        "DELETE FROM tenant_integrations WHERE tenant_id = $1 AND kind = $2", tenant_id, kind)
    return done.endswith(" 1")


def _integration(row: Any) -> StoredIntegration:
    return StoredIntegration(kind=row["kind"], settings=json.loads(row["settings"]),
                             secret=row["secret"], secret_hint=json.loads(row["secret_hint"]),
                             updated_at=row["updated_at"])
