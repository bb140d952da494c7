"""The shop's plan as this till knows it, offline included: the last record the server sent,
and what it allows at the till's own "now" (prepaid months and a past-due grace period end on
their dates without a connection); and what Cuenta en línea offers the owner to buy, from the
server's answer. Nothing here is ever asked before a sale: selling, fiado, cortes, reports and
backups never depend on the plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from pos_client.services.till import Till
from pos_client.store.repositories import plan, shop
from shared.account import PlanOut
from shared.clock import shown_date
from shared.money import format_mxn
from shared.plans import STATUS_LABELS, BillingStatus, InForce, in_force
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


@dataclass(frozen=True)
class PlanChoices:
    """What the plan tab offers the owner, and the line that explains where they stand."""

    line: str  # "" when the plan's own note says it all
    subscribe: str | None  # the «Suscribirme» button's words; None: not offered
    change: bool  # «Cambiar a …»: only a subscription Stripe bills changes plan
    prepay: bool  # months paid ahead


def plan_choices(plan: PlanOut, zone: tzinfo) -> PlanChoices:
    """Never offer what the server would refuse: a second subscription beside one Stripe bills
    (a trial included: its card is on file and it goes on by itself), months ahead beside it, a
    subscription while prepaid months run. A trial says when it ends and what happens then."""
    until = shown_date(plan.renews_at, zone) if plan.renews_at else None
    if plan.subscribed:
        if plan.cancel_at_period_end:
            line = f"La suscripción se canceló: termina el {until}." if until else ""
        elif plan.status == BillingStatus.TRIAL:
            line = (f"Prueba gratis hasta el {until}; después se cobran "
                    f"{format_mxn(plan.plan.monthly_price)} al mes a tu tarjeta. Si no quieres "
                    "seguir, cancela antes en «Cambiar tarjeta o cancelar»." if until else "")
        else:
            line = f"Próxima renovación: {until}." if until else ""
        return PlanChoices(line, None, True, False)
    if plan.status == BillingStatus.TRIAL:  # a trial no card stands behind (the demo's)
        line = (f"Prueba hasta el {until}. Suscríbete para seguir con el plan "
                f"{plan.plan.name} después." if until else "")
        return PlanChoices(line, "Suscribirme para seguir (tarjeta)", False, True)
    if plan.status == BillingStatus.PREPAID and plan.paid_features:
        return PlanChoices("", None, False, True)  # more months of it, not a subscription
    return PlanChoices("", "Suscribirme (tarjeta)", False, True)
