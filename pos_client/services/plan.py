"""The shop's plan as this till knows it, offline included: the last record the server sent,
and what it allows at the till's own "now" (prepaid months and a past-due grace period end on
their dates without a connection). Nothing here is ever asked before a sale: selling, fiado,
cortes, reports and backups never depend on the plan."""

from __future__ import annotations

from dataclasses import dataclass

from pos_client.services.till import Till
from pos_client.store.repositories import plan, shop
from shared.plans import STATUS_LABELS, InForce, in_force
from shared.sync.payloads import PlanPayload


@dataclass(frozen=True)
class KnownPlan:
    record: PlanPayload
    force: InForce
    status_label: str


def known_plan(till: Till) -> KnownPlan | None:
    """None until the server sent one (a till never synced, or a standalone till)."""
    with till.db.read() as conn:
        record = plan.current(conn)
        zone = shop.shop_zone(conn)
    if record is None:
        return None
    force = in_force(record.plan.limits(), record.free.limits(), record.status, till.now(),
                     paid_until=record.paid_until, grace_until=record.grace_until, zone=zone)
    return KnownPlan(record, force, STATUS_LABELS[force.status])
