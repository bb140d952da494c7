"""What a job is (its schedule, defaults and missed-run policy), what a run knows (the shop,
the slot, the clock, where messages go) and what a run answers (sent, or skipped and why)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sync_server.db import Connection, Pool
from sync_server.jobs.billing_port import NoBilling, PayLinks, PlanNotices
from sync_server.jobs.delivery import Messages
from sync_server.jobs.schedule import Daily, Schedule, Slot
from sync_server.repositories import shop
from sync_server.services.tokens import PlanLookup
from sync_server.tools.base import Caller, CallerRole, ToolContext


class Missed(StrEnum):
    """What a run that starts past its time (the server was down) does."""

    SEND_LATE = "send_late"  # runs once, marked late ("enviado tarde"); older periods are gone
    SKIP = "skip"  # recorded as skipped (reason "missed"); the next slot does the work


@dataclass(frozen=True, slots=True)
class Choice:
    """A shop's setting for one job."""

    enabled: bool
    at: time | None  # the local time of a daily job


@dataclass(frozen=True, slots=True)
class Shop:
    tenant_id: uuid.UUID
    tz: ZoneInfo
    choices: Mapping[str, Choice]  # what the owner changed; the rest runs with the defaults


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # sent | skipped (a raised error is the run's "failed")
    reason: str | None = None  # a skip's stable code
    detail: Mapping[str, Any] = field(default_factory=dict)  # JSON: what it said and counted


def sent(**detail: Any) -> Outcome:
    return Outcome("sent", None, detail)


def skipped(reason: str, **detail: Any) -> Outcome:
    return Outcome("skipped", reason, detail)


def message_id(tenant_id: uuid.UUID, job: str, *parts: object) -> uuid.UUID:
    """A message's idempotency key, made of what it is about: queued again, it is the same."""
    key = ":".join(str(p) for p in (tenant_id, job, *parts))
    return uuid.uuid5(uuid.NAMESPACE_URL, f"michangarrito:job:{key}")


@dataclass(frozen=True)
class JobEnv:
    """What runs need from the server, handed in once: tests give their own clock."""

    pool: Pool
    messages: Messages
    plan_for: PlanLookup
    clock: Callable[[], datetime]
    replica: str  # who claims: host:pid
    pay_links: PayLinks = field(default_factory=NoBilling)
    plans: PlanNotices = field(default_factory=NoBilling)
    lease: timedelta = timedelta(minutes=15)  # a claim older than this is taken over
    late_after: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Run:
    """One run of one job for one shop and period."""

    env: JobEnv
    shop: Shop
    job: str
    slot: Slot
    now: datetime
    late: bool

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.shop.tenant_id

    @property
    def tz(self) -> ZoneInfo:
        return self.shop.tz

    def message_id(self, *parts: object) -> uuid.UUID:
        """The idempotency key of a message this run queues: the same run, re-claimed after a
        crash, queues nothing twice."""
        return message_id(self.tenant_id, self.job, self.slot.period_key, *parts)

    async def tools(self, conn: Connection) -> ToolContext:
        """The shop's tools as the owner sees them, at this run's moment: the summary and the
        low-stock job use the very functions the assistant, the bot and MCP use."""
        profile = await shop.profile(conn, self.tenant_id)
        return ToolContext(caller=Caller(self.tenant_id, CallerRole.OWNER, "tareas", "tareas"),
                           now=self.now, tz=self.tz,
                           shop_name=profile.name if profile else "La tienda",
                           plan=await self.env.plan_for(conn, self.tenant_id))


@dataclass(frozen=True)
class Job:
    """A job defined in code. ``claims_period``: each (shop, period) is claimed before it runs;
    a check that only finds things to say (silent tills) claims each thing it says instead."""

    name: str  # stable snake_case: settings, runs, metrics
    title: str  # Spanish, for the owner
    description: str
    schedule: Schedule
    enabled_by_default: bool
    missed: Missed
    run: Callable[[Run], Awaitable[Outcome]]
    claims_period: bool = True
    customer_facing: bool = False  # its time may not fall in quiet hours
    # SEND_LATE up to this long after its time; later it is skipped (too_late): by then the
    # next one is near, and a summary of the day before yesterday tells nobody anything.
    late_limit: timedelta = timedelta(hours=12)

    def choice(self, shop: Shop) -> Choice:
        chosen = shop.choices.get(self.name)
        default_at = self.schedule.default if isinstance(self.schedule, Daily) else None
        if chosen is None:
            return Choice(self.enabled_by_default, default_at)
        return Choice(chosen.enabled, chosen.at or default_at)
