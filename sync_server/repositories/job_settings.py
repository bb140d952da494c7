"""Each shop's job settings (on or off, local time), and the scheduler's list of every shop."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sync_server.repositories import Connection


@dataclass(frozen=True, slots=True)
class ShopSchedule:
    tenant_id: uuid.UUID
    timezone: str
    settings: dict[str, dict[str, Any]]  # job → {"enabled": bool, "at": "HH:MM" | None}


async def every_shop(conn: Connection) -> list[ShopSchedule]:
    """Every shop with its zone and job settings (any connection: a definer function that
    answers only this)."""
    rows = await conn.fetch("SELECT tenant_id, timezone, settings::text AS settings "
                            "FROM mch_job_shops()")
    return [ShopSchedule(r["tenant_id"], r["timezone"], json.loads(r["settings"])) for r in rows]


@dataclass(frozen=True, slots=True)
class SettingRow:
    job: str
    enabled: bool
    at_time: time | None
    updated_at: datetime


async def of_shop(conn: Connection, tenant_id: uuid.UUID) -> dict[str, SettingRow]:
    rows = await conn.fetch(
        "SELECT job, enabled, at_time, updated_at FROM job_settings WHERE tenant_id = $1",
        tenant_id)
    return {r["job"]: SettingRow(**dict(r)) for r in rows}


async def save(conn: Connection, tenant_id: uuid.UUID, job: str, enabled: bool,
               at_time: time | None) -> None:
    await conn.execute(
        """INSERT INTO job_settings (tenant_id, job, enabled, at_time) VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant_id, job) DO UPDATE
           SET enabled = EXCLUDED.enabled, at_time = EXCLUDED.at_time, updated_at = now()""",
        tenant_id, job, enabled, at_time)
