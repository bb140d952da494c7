"""Scheduled jobs in tests: the clock the test sets, engines that tick when told (one per
"replica", each remembering nothing, as a process that just started), and an inbox in place of
the WhatsApp channel."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from shared.clock import utc_now
from sync_server.db import Connection, Pool, tenant_tx
from sync_server.jobs.base import JobEnv, Outcome
from sync_server.jobs.catalog import SHOP_JOBS, platform_jobs
from sync_server.jobs.cleanup import KEEP_EVENTS, cleanup_job
from sync_server.jobs.delivery import Delivery, Messages, NoChannel, NotSent, Queued
from sync_server.jobs.engine import JobEngine
from sync_server.services.tokens import fixed_plan


class Clock:
    """The time the test says it is."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def engine(pool: Pool, clock: Clock, replica: str = "replica-a",
           messages: Messages | None = None, **env: Any) -> JobEngine:
    """A fresh engine, as a (re)started server process has: it remembers nothing."""
    job_env = JobEnv(pool=pool, messages=messages or NoChannel(), plan_for=fixed_plan("Básico", 300),
                     clock=clock, replica=replica, **env)
    return JobEngine(job_env, SHOP_JOBS, platform_jobs(timedelta(hours=1)))


class Inbox:
    """Stands in for the WhatsApp channel the jobs queue through (``jobs.delivery.Messages``;
    the channel itself, with opt-in, BAJA and templates, is the WhatsApp bot's work): it keeps
    what each job queued, and who agreed to be written. It decides nothing else, so what a test
    sees is what the job chose to send."""

    def __init__(self, opted_in: set[uuid.UUID] | None = None) -> None:
        self.agreed = set(opted_in or ())
        self.queued: list[tuple[uuid.UUID | None, str, str]] = []  # (customer or owner, kind, text)
        self.on_queue: Callable[[], None] = lambda: None  # e.g. the clock moving while sending

    async def to_owner(self, conn: Connection, tenant_id: uuid.UUID, message_id: uuid.UUID,
                       kind: str, text: str) -> Delivery:
        self.queued.append((None, kind, text))
        self.on_queue()
        return Queued(message_id)

    async def to_customer(self, conn: Connection, tenant_id: uuid.UUID, message_id: uuid.UUID,
                          customer_id: uuid.UUID, kind: str, text: str) -> Delivery:
        if customer_id not in self.agreed:
            return NotSent("not_opted_in", "No aceptó recibir mensajes.")
        self.queued.append((customer_id, kind, text))
        self.on_queue()
        return Queued(message_id)

    async def opted_in(self, conn: Connection, tenant_id: uuid.UUID) -> set[uuid.UUID]:
        return set(self.agreed)

    def to(self, customer_id: uuid.UUID) -> list[str]:
        return [text for who, _, text in self.queued if who == customer_id]


async def contact_wrote(pool: Pool, tenant_id: uuid.UUID, phone: str, *, owner: bool = False,
                        baja: bool = False) -> None:
    """Builder (bypasses the webhook and the one-time code): ``phone`` wrote to the shop's
    WhatsApp; ``owner``: the owner verified it as theirs; ``baja``: the person then said BAJA."""
    async with tenant_tx(pool, tenant_id) as conn:
        await conn.execute(
            """INSERT INTO wa_contacts (tenant_id, contact_id, phone, first_inbound_at,
                                        last_inbound_at, owner_id, verified_at, opted_out_at)
               VALUES ($1, $2, $3, now(), now(), $4, CASE WHEN $5 THEN now() END,
                       CASE WHEN $6 THEN now() END)""",
            tenant_id, uuid.uuid4(), phone, uuid.uuid4() if owner else None, owner, baja)


async def run_cleanup(pool: Pool, now: datetime | None = None,
                      events_keep: timedelta = KEEP_EVENTS) -> Outcome:
    """The platform's clean-up, run once now: its own function, without the tick's claim (the
    claim, once whatever the replicas, is tests/server/jobs/test_cleanup.py's)."""
    clock = Clock(now or utc_now())
    job = cleanup_job(timedelta(hours=1), events_keep)
    return await job.run(engine(pool, clock).env, clock.now)
