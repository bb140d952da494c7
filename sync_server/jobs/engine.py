"""The scheduler's tick: find what is due in every shop, claim it, run it, record the outcome.

APScheduler only wakes this up (every ``tick`` seconds, in every replica); correctness lives in
PostgreSQL. Each tick reads every shop's zone and settings (one definer function), works out
each job's latest slot in the shop's own time, and claims the (shop, job, period) before
running it: of two replicas, one inserts the claim and the other finds it taken. A period this
process already saw finished is remembered, so a quiet tick costs one query.

Missed runs: the tick looks only at each job's latest slot. After downtime, a daily summary
whose slot passed runs once, marked late ("enviado tarde"); the periods before it are never
looked at, so nothing is bunched; one more than 12 hours late is skipped (too_late). Reminders
past their time are recorded as skipped (missed) and wait for their next slot.
"""

from __future__ import annotations

import logging
import time as clock_time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sync_server import metrics
from sync_server.db import tenant_tx, unscoped_tx
from sync_server.jobs.base import Choice, Job, JobEnv, Missed, Outcome, Run, Shop, skipped
from sync_server.jobs.schedule import Schedule, Slot, is_late, parse_hhmm, slot, zone
from sync_server.repositories import job_runs, job_settings
from sync_server.repositories.job_runs import MAX_ATTEMPTS, Claim
from sync_server.repositories.job_settings import ShopSchedule

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=5)  # a failed run is tried again after this, MAX_ATTEMPTS in all
FINISHED = ("sent", "skipped")


class AlreadyRunByHand(RuntimeError):
    """``run_now`` for the same shop, job and moment twice: its period is claimed already."""


@dataclass(frozen=True)
class PlatformJob:
    """A job of the platform, not of a shop (the clean-ups): one run per period in all."""

    name: str
    schedule: Schedule  # a Daily's time is UTC
    run: Callable[[JobEnv, datetime], Awaitable[Outcome]]


@dataclass
class TickReport:
    """What one tick did (tests and ``jobs run-now`` read it)."""

    ran: list[tuple[str, str, str, Outcome]]  # (tenant id or "platform", job, period, outcome)

    def outcomes(self, job: str) -> list[Outcome]:
        return [o for _, j, _, o in self.ran if j == job]


def _shop(row: ShopSchedule) -> Shop:
    choices = {}
    for job, value in row.settings.items():
        try:
            at = parse_hhmm(value["at"]) if value.get("at") else None
        except ValueError:
            at = None
        choices[job] = Choice(bool(value.get("enabled")), at)
    return Shop(row.tenant_id, zone(row.timezone), choices)


class JobEngine:
    def __init__(self, env: JobEnv, jobs: Sequence[Job], platform: Sequence[PlatformJob] = ()
                 ) -> None:
        self.env, self.jobs, self.platform = env, list(jobs), list(platform)
        # (shop or "platform", job) → the latest period this process saw finished
        self._finished: dict[tuple[str, str], str] = {}

    async def shops(self) -> list[Shop]:
        """Every shop with its zone and job settings (one definer function)."""
        async with unscoped_tx(self.env.pool) as conn:
            return [_shop(r) for r in await job_settings.every_shop(conn)]

    async def tick(self, now: datetime | None = None) -> TickReport:
        """One pass over every shop and job; errors of one run never stop the others."""
        now = now or self.env.clock()
        report = TickReport([])
        for shop in await self.shops():
            for job in self.jobs:
                try:
                    await self._consider(job, shop, now, report)
                except Exception:  # a claim that could not be written: the next tick tries again
                    log.exception("job not considered", extra={"job": job.name,
                                                                "tenant_id": str(shop.tenant_id)})
        for pjob in self.platform:
            try:
                await self._consider_platform(pjob, now, report)
            except Exception:
                log.exception("platform job not considered", extra={"job": pjob.name})
        return report

    async def _consider(self, job: Job, shop: Shop, now: datetime, report: TickReport) -> None:
        choice = job.choice(shop)
        if not choice.enabled:
            return
        due = slot(job.schedule, now, shop.tz, choice.at)
        seen = (str(shop.tenant_id), job.name)
        if self._finished.get(seen) == due.period_key:
            return
        if not job.claims_period:  # a check: it claims each thing it says, not its period
            outcome = await self._execute(job, Run(self.env, shop, job.name, due, now, False))
            self._finished[seen] = due.period_key
            report.ran.append((str(shop.tenant_id), job.name, due.period_key, outcome))
            return
        late = is_late(due, now, self.env.late_after)
        async with tenant_tx(self.env.pool, shop.tenant_id) as conn:
            attempt = await job_runs.claim(conn, shop.tenant_id, job.name, due.period_key, due.at,
                                           late, self._claim(now))
            held = None if attempt else await job_runs.get(conn, shop.tenant_id, job.name,
                                                           due.period_key)
        if attempt is None:
            if held and (held.status in FINISHED or held.attempts >= MAX_ATTEMPTS):
                self._finished[seen] = due.period_key
                metrics.JOB_RUNS.labels(job.name, "elsewhere").inc()
            return
        outcome = await self.run_claimed(job, Run(self.env, shop, job.name, due, now, late))
        if outcome.status in FINISHED:
            self._finished[seen] = due.period_key
        report.ran.append((str(shop.tenant_id), job.name, due.period_key, outcome))

    async def run_claimed(self, job: Job, run: Run) -> Outcome:
        """Run a claimed period and record its outcome on the claim."""
        if run.late and job.missed is Missed.SKIP:
            outcome = skipped("missed", due=run.slot.at.isoformat())
        elif run.late and run.now - run.slot.at > job.late_limit:
            outcome = skipped("too_late", due=run.slot.at.isoformat())
        else:
            outcome = await self._execute(job, run)
        async with tenant_tx(self.env.pool, run.tenant_id) as conn:
            await job_runs.finish(conn, run.tenant_id, job.name, run.slot.period_key,
                                  outcome.status, outcome.reason, outcome.detail,
                                  self.env.clock())
        return outcome

    async def _execute(self, job: Job, run: Run) -> Outcome:
        started = clock_time.perf_counter()
        try:
            outcome = await job.run(run)
        except Exception as exc:
            log.exception("job run failed", extra={"job": job.name, "tenant_id": str(run.tenant_id),
                                                   "period": run.slot.period_key})
            outcome = Outcome("failed", type(exc).__name__, {"error": str(exc)[:500]})
        _count(job.name, outcome, clock_time.perf_counter() - started)
        return outcome

    async def _consider_platform(self, pjob: PlatformJob, now: datetime, report: TickReport
                                 ) -> None:
        due = slot(pjob.schedule, now, zone("UTC"))
        seen = ("platform", pjob.name)
        if self._finished.get(seen) == due.period_key:
            return
        async with unscoped_tx(self.env.pool) as conn:
            attempt = await job_runs.claim_platform(conn, pjob.name, due.period_key,
                                                    self._claim(now))
            held = None if attempt else await job_runs.platform_run(conn, pjob.name,
                                                                    due.period_key)
        if attempt is None:
            if held and (held["status"] in FINISHED or held["attempts"] >= MAX_ATTEMPTS):
                self._finished[seen] = due.period_key
            return
        started = clock_time.perf_counter()
        try:
            outcome = await pjob.run(self.env, now)
        except Exception as exc:
            log.exception("platform job failed", extra={"job": pjob.name})
            outcome = Outcome("failed", type(exc).__name__, {"error": str(exc)[:500]})
        _count(pjob.name, outcome, clock_time.perf_counter() - started)
        async with unscoped_tx(self.env.pool) as conn:
            await job_runs.finish_platform(conn, pjob.name, due.period_key, outcome.status,
                                           outcome.reason, outcome.detail, self.env.clock())
        if outcome.status in FINISHED:
            self._finished[seen] = due.period_key
        report.ran.append(("platform", pjob.name, due.period_key, outcome))

    async def run_now(self, job: Job, tenant_id: uuid.UUID, now: datetime | None = None
                      ) -> Outcome:
        """Run ``job`` for one shop at once (``./bin/server jobs run-now``), whatever its
        schedule and setting, under a period of its own: the scheduled run still happens."""
        now = now or self.env.clock()
        found = [s for s in await self.shops() if s.tenant_id == tenant_id]
        if not found:
            raise LookupError(f"no shop {tenant_id}")
        shop = found[0]
        due = Slot(now, f"manual:{now.isoformat(timespec='seconds')}",
                   now.astimezone(shop.tz).date())
        run = Run(self.env, shop, job.name, due, now, False)
        if not job.claims_period:
            return await self._execute(job, run)
        async with tenant_tx(self.env.pool, tenant_id) as conn:
            claimed = await job_runs.claim(conn, tenant_id, job.name, due.period_key, now, False,
                                           self._claim(now))
        if not claimed:
            raise AlreadyRunByHand(f"{job.name} was just run by hand for this shop at {now}")
        return await self.run_claimed(job, run)

    def _claim(self, now: datetime) -> Claim:
        return Claim(self.env.replica, now, self.env.lease, RETRY_AFTER)


def _count(job: str, outcome: Outcome, seconds: float) -> None:
    metrics.JOB_RUNS.labels(job, outcome.status).inc()
    if outcome.status in FINISHED:
        metrics.JOB_LAST_SUCCESS.labels(job).set_to_current_time()
    log.info("job run", extra={"job": job, "outcome": outcome.status, "reason": outcome.reason,
                               "seconds": round(seconds, 3)})
