"""A shop's plan record: composed from its subscription and the plans table, sent to its tills
through the change feed when it changes, and read back for every check the server makes.

The record is the one truth of what a shop may use: the server checks limits against the
stored record with :func:`shared.plans.in_force`, exactly as a till does offline, so the two
never disagree about when a grace period or prepaid months end.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from shared.clock import utc_now
from shared.ids import new_uuid7
from shared.plans import BillingStatus, InForce, grace_end, in_force
from shared.sync.envelopes import PlanChange
from shared.sync.payloads import PLAN_ID, PlanLimitsPayload, PlanPayload
from sync_server.repositories import Connection
from sync_server.repositories import plans as plans_repo
from sync_server.repositories import subscriptions as subs_repo
from sync_server.repositories.subscriptions import Subscription
from sync_server.services.server_changes import apply_server_changes
from sync_server.sync.clock import server_clock

log = logging.getLogger(__name__)


async def compose(
    conn: Connection, tenant_id: uuid.UUID, grace_days: int, now: datetime
) -> PlanPayload:
    """The plan record the shop's subscription row and the plans table call for at ``now``."""
    free = await plans_repo.free(conn)
    sub = await subs_repo.get(conn, tenant_id)
    status, plan_id = _status(sub, now)
    plan = (await plans_repo.get(conn, plan_id)) if plan_id else None
    grace = (grace_end(sub.past_due_since, grace_days)
             if sub and status is BillingStatus.PAST_DUE and sub.past_due_since else None)
    return PlanPayload(
        id=PLAN_ID, plan=PlanLimitsPayload.of((plan or free).limits),
        free=PlanLimitsPayload.of(free.limits), status=status,
        paid_until=sub.prepaid_until if sub and status is BillingStatus.PREPAID else None,
        grace_until=grace,
        renews_at=sub.renews_at if sub and status in (BillingStatus.TRIAL, BillingStatus.ACTIVE)
        else None,
        changed_at=now)


def _status(sub: Subscription | None, now: datetime) -> tuple[BillingStatus, str | None]:
    """Which state and which plan: a live subscription first, then prepaid months, then what
    is left of the subscription (past due, cancelled), else the free plan."""
    if sub is None:
        return BillingStatus.FREE, None
    if sub.status in ("trial", "active"):
        return BillingStatus(sub.status), sub.plan_id
    if sub.prepaid_until and sub.prepaid_until > now and sub.prepaid_plan_id:
        return BillingStatus.PREPAID, sub.prepaid_plan_id
    if sub.status in ("past_due", "cancelled"):
        return BillingStatus(sub.status), sub.plan_id
    return BillingStatus.FREE, None


async def stored(conn: Connection, tenant_id: uuid.UUID) -> tuple[PlanPayload, int] | None:
    found = await plans_repo.record(conn, tenant_id, PLAN_ID)
    if found is None:
        return None
    return PlanPayload.model_validate_json(found[0]), found[1]


async def publish(
    conn: Connection, tenant_id: uuid.UUID, grace_days: int, now: datetime | None = None
) -> PlanPayload:
    """Compose the shop's record and, if it says something new, put it in the change feed
    (origin None: every till receives it). Runs in the caller's tenant transaction."""
    now = now or utc_now()
    fresh = await compose(conn, tenant_id, grace_days, now)
    current = await stored(conn, tenant_id)
    if current and _same(current[0], fresh):
        return current[0]
    hlc = max(server_clock.now(), (current[1] + 1) if current else 0)
    change = PlanChange(change_id=new_uuid7(), device_seq=0, hlc=hlc, created_at=now,
                        entity="plan", payload=fresh)
    await apply_server_changes(conn, tenant_id, [change])  # a refusal rolls back
    log.info("plan record published", extra={"tenant_id": str(tenant_id),
                                              "plan": fresh.plan.code, "status": fresh.status})
    return fresh


def _same(a: PlanPayload, b: PlanPayload) -> bool:
    return a.model_dump(exclude={"changed_at"}) == b.model_dump(exclude={"changed_at"})


async def current(
    conn: Connection, tenant_id: uuid.UUID, now: datetime | None = None,
    zone: ZoneInfo | None = None,
) -> tuple[PlanPayload, InForce]:
    """The shop's stored record (the free plan if none was ever made) and what it allows now."""
    now = now or utc_now()
    found = await stored(conn, tenant_id)
    if found is None:
        free = PlanLimitsPayload.of((await plans_repo.free(conn)).limits)
        record = PlanPayload(id=PLAN_ID, plan=free, free=free, status=BillingStatus.FREE,
                             changed_at=now)
    else:
        record = found[0]
    return record, force_of(record, now, zone)


def force_of(record: PlanPayload, now: datetime, zone: ZoneInfo | None = None) -> InForce:
    return in_force(record.plan.limits(), record.free.limits(), record.status, now,
                    paid_until=record.paid_until, grace_until=record.grace_until,
                    zone=zone or ZoneInfo("America/Mexico_City"))
