"""Job runs: claimed once per (shop, job, period) whatever the number of replicas, then finished
with their outcome; and the platform's own runs (clean-ups), claimed the same way.

A claim is an INSERT that a second replica's INSERT finds taken. A claim whose process died
(still 'running' past the lease) is taken over; a failed run is tried again after a pause, a
few times. Timestamps are the caller's clock (the scheduler's, injected in tests).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from sync_server.repositories import Connection

MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Claim:
    """When a claim is made: now, by whom; a claim older than ``lease`` is taken over, a failed
    run is tried again once ``retry_after`` has passed."""

    replica: str
    now: datetime
    lease: timedelta
    retry_after: timedelta


# Taken over: a claim whose process died (still running past the lease), or a failed run once
# its pause is over and it has attempts left.
_TAKEN_OVER = """status = 'running' AND claimed_at < {now}::timestamptz - {lease}::interval
               OR status = 'failed' AND claimed_at < {now}::timestamptz - {retry}::interval
                 AND attempts < {most}"""


async def claim(conn: Connection, tenant_id: uuid.UUID, job: str, period_key: str,
                scheduled_for: datetime, late: bool, c: Claim) -> int | None:
    """Claim a shop's run: the attempt number, or None when another replica holds it or it is
    over. Commit before doing the work, so others see the claim."""
    attempt: int | None = await conn.fetchval(
        """INSERT INTO job_runs (tenant_id, job, period_key, scheduled_for, late, claimed_by,
                                 claimed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING attempts""",
        tenant_id, job, period_key, scheduled_for, late, c.replica, c.now)
    if attempt is None:
        attempt = await conn.fetchval(
            f"""UPDATE job_runs SET claimed_by = $4, claimed_at = $5, attempts = attempts + 1,
                       status = 'running', reason = NULL, finished_at = NULL, late = $9
                WHERE tenant_id = $1 AND job = $2 AND period_key = $3
                  AND ({_TAKEN_OVER.format(now="$5", lease="$6", retry="$7", most="$8")})
                RETURNING attempts""",
            tenant_id, job, period_key, c.replica, c.now, c.lease, c.retry_after, MAX_ATTEMPTS,
            late)
    return attempt


async def finish(conn: Connection, tenant_id: uuid.UUID, job: str, period_key: str, status: str,
                 reason: str | None, detail: Mapping[str, Any], now: datetime) -> None:
    await conn.execute(
        """UPDATE job_runs SET status = $4, reason = $5, detail = $6::jsonb, finished_at = $7
           WHERE tenant_id = $1 AND job = $2 AND period_key = $3""",
        tenant_id, job, period_key, status, reason, json.dumps(detail, default=str), now)


@dataclass(frozen=True, slots=True)
class RunRow:
    job: str
    period_key: str
    scheduled_for: datetime
    status: str
    reason: str | None
    late: bool
    detail: dict[str, Any] | None
    claimed_by: str
    claimed_at: datetime
    finished_at: datetime | None
    attempts: int


_COLUMNS = """job, period_key, scheduled_for, status, reason, late, detail::text AS detail,
              claimed_by, claimed_at, finished_at, attempts"""


def _row(r: asyncpg.Record) -> RunRow:
    values = dict(r)
    values["detail"] = json.loads(values["detail"]) if values["detail"] else None
    return RunRow(**values)


async def get(conn: Connection, tenant_id: uuid.UUID, job: str, period_key: str) -> RunRow | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM job_runs "
                              "WHERE tenant_id = $1 AND job = $2 AND period_key = $3",
                              tenant_id, job, period_key)
    return _row(row) if row else None


async def recent(conn: Connection, tenant_id: uuid.UUID, limit: int, job: str | None = None
                 ) -> list[RunRow]:
    """The shop's latest runs, newest first (one job's, or all)."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM job_runs WHERE tenant_id = $1 AND ($2::text IS NULL OR job = $2)
            ORDER BY claimed_at DESC, job, period_key LIMIT $3""", tenant_id, job, limit)
    return [_row(r) for r in rows]


async def last_finished(conn: Connection, tenant_id: uuid.UUID, job: str, before: str,
                        having: str) -> RunRow | None:
    """The job's latest finished run for a period before ``before`` (period keys of one job sort
    as their periods do) whose detail has the key ``having``: a run skipped unrun (missed, too
    late) saw nothing."""
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM job_runs
            WHERE tenant_id = $1 AND job = $2 AND period_key < $3 AND status IN ('sent', 'skipped')
              AND detail ? $4
            ORDER BY period_key DESC LIMIT 1""", tenant_id, job, before, having)
    return _row(row) if row else None


async def delete_before(conn: Connection, tenant_id: uuid.UUID, before: datetime) -> int:
    """Forget the shop's finished runs claimed before ``before``."""
    done: str = await conn.execute(
        "DELETE FROM job_runs WHERE tenant_id = $1 AND claimed_at < $2 AND status <> 'running'",
        tenant_id, before)
    return int(done.split()[-1])


# ---- the platform's runs (no shop) -------------------------------------------------------------


async def claim_platform(conn: Connection, job: str, period_key: str, c: Claim) -> int | None:
    attempt: int | None = await conn.fetchval(
        """INSERT INTO platform_job_runs (job, period_key, claimed_by, claimed_at)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING attempts""",
        job, period_key, c.replica, c.now)
    if attempt is None:
        attempt = await conn.fetchval(
            f"""UPDATE platform_job_runs SET claimed_by = $3, claimed_at = $4,
                       attempts = attempts + 1, status = 'running', reason = NULL,
                       finished_at = NULL
                WHERE job = $1 AND period_key = $2
                  AND ({_TAKEN_OVER.format(now="$4", lease="$5", retry="$6", most="$7")})
                RETURNING attempts""",
            job, period_key, c.replica, c.now, c.lease, c.retry_after, MAX_ATTEMPTS)
    return attempt


async def finish_platform(conn: Connection, job: str, period_key: str, status: str,
                          reason: str | None, detail: Mapping[str, Any], now: datetime) -> None:
    await conn.execute(
        """UPDATE platform_job_runs SET status = $3, reason = $4, detail = $5::jsonb,
                  finished_at = $6
           WHERE job = $1 AND period_key = $2""",
        job, period_key, status, reason, json.dumps(detail, default=str), now)


async def platform_run(conn: Connection, job: str, period_key: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        """SELECT status, reason, detail::text AS detail, attempts FROM platform_job_runs
           WHERE job = $1 AND period_key = $2""", job, period_key)
    if row is None:
        return None
    out = dict(row)
    out["detail"] = json.loads(out["detail"]) if out["detail"] else None
    return out


async def delete_platform_before(conn: Connection, before: datetime) -> int:
    done: str = await conn.execute(
        "DELETE FROM platform_job_runs WHERE claimed_at < $1 AND status <> 'running'", before)
    return int(done.split()[-1])
