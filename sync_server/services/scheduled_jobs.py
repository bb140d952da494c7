"""The owner's scheduled jobs: each one on or off and at what time (in the shop's zone), and
what the latest runs did (sent, skipped and why, failed; late ones marked "enviado tarde")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from shared.errors import DomainError
from sync_server.db import Pool, tenant_tx
from sync_server.jobs.base import Choice, Job
from sync_server.jobs.catalog import BY_NAME, SHOP_JOBS
from sync_server.jobs.schedule import QUIET_FROM, QUIET_UNTIL, Daily
from sync_server.repositories import job_runs, job_settings
from sync_server.repositories.job_runs import RunRow


class UnknownJob(DomainError):
    code = "unknown_job"


class InvalidJobTime(DomainError):
    code = "invalid_job_time"


@dataclass(frozen=True, slots=True)
class JobView:
    job: str
    title: str
    description: str
    enabled: bool
    at: time | None  # None: not run at a time of day
    default_enabled: bool
    default_at: time | None
    customer_facing: bool
    quiet: tuple[time, time] | None  # from, until: when a customer-facing job never sends


def _view(job: Job, choice: Choice) -> JobView:
    default_at = job.schedule.default if isinstance(job.schedule, Daily) else None
    return JobView(job.name, job.title, job.description, choice.enabled, choice.at,
                   job.enabled_by_default, default_at, job.customer_facing,
                   (QUIET_FROM, QUIET_UNTIL) if job.customer_facing else None)


def _choice(job: Job, row: job_settings.SettingRow | None) -> Choice:
    default_at = job.schedule.default if isinstance(job.schedule, Daily) else None
    if row is None:
        return Choice(job.enabled_by_default, default_at)
    return Choice(row.enabled, row.at_time or default_at)


async def list_jobs(pool: Pool, tenant_id: uuid.UUID) -> list[JobView]:
    async with tenant_tx(pool, tenant_id) as conn:
        chosen = await job_settings.of_shop(conn, tenant_id)
    return [_view(j, _choice(j, chosen.get(j.name))) for j in SHOP_JOBS]


async def choose(pool: Pool, tenant_id: uuid.UUID, job_name: str, enabled: bool,
                 at: time | None) -> JobView:
    """Turn a job on or off and, for a daily one, set its local time (seconds dropped). A
    customer-facing job may not be set in the quiet hours (21:00–09:00)."""
    job = BY_NAME.get(job_name)
    if job is None:
        raise UnknownJob("No existe esa tarea programada.")
    if at is not None and not isinstance(job.schedule, Daily):
        raise InvalidJobTime(f"«{job.title}» no se programa a una hora: revisa cada hora.")
    if at is not None:
        at = at.replace(second=0, microsecond=0, tzinfo=None)
        if job.customer_facing and (at >= QUIET_FROM or at < QUIET_UNTIL):
            raise InvalidJobTime(f"«{job.title}» llega a clientes: elige una hora entre las "
                                 f"{QUIET_UNTIL:%H:%M} y las {QUIET_FROM:%H:%M}.")
    async with tenant_tx(pool, tenant_id) as conn:
        previous = (await job_settings.of_shop(conn, tenant_id)).get(job_name)
        keep = at or (previous.at_time if previous else None)
        await job_settings.save(conn, tenant_id, job_name, enabled, keep)
        row = (await job_settings.of_shop(conn, tenant_id))[job_name]
    return _view(job, _choice(job, row))


@dataclass(frozen=True, slots=True)
class RunView:
    job: str
    title: str
    period: str
    scheduled_for: datetime
    status: str
    reason: str | None
    late: bool
    finished_at: datetime | None
    attempts: int
    text: str | None  # what it said (or would have said)


def _run_view(r: RunRow) -> RunView:
    detail: dict[str, Any] = r.detail or {}
    job = BY_NAME.get(r.job)
    text = detail.get("text")
    return RunView(r.job, job.title if job else r.job, r.period_key, r.scheduled_for, r.status,
                   r.reason, r.late, r.finished_at, r.attempts,
                   text if isinstance(text, str) else None)


async def recent_runs(pool: Pool, tenant_id: uuid.UUID, limit: int = 50,
                      job: str | None = None) -> list[RunView]:
    async with tenant_tx(pool, tenant_id) as conn:
        rows = await job_runs.recent(conn, tenant_id, limit, job)
    return [_run_view(r) for r in rows]
