"""Billing as the scheduled jobs see it (``jobs.billing_port``): a pay link line for a fiado
reminder, and the notices the shop's plan calls for (a trial ending, a failed payment,
prepaid months running out). Each notice has a key the jobs send once, ever."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shared.clock import shown_date
from shared.errors import DomainError
from shared.plans import BillingStatus
from sync_server.billing import plan_state
from sync_server.billing.context import Billing
from sync_server.billing.paylinks import pay_link_for
from sync_server.jobs.billing_port import PlanNotice
from sync_server.repositories import Connection, tenants

log = logging.getLogger(__name__)

AHEAD = timedelta(days=3)  # how long before a trial or prepaid months end the owner is told


class BillingForJobs:
    def __init__(self, billing: Billing) -> None:
        self.billing = billing

    async def line(self, tenant_id: uuid.UUID, customer_id: uuid.UUID, amount: int) -> str | None:
        """A pay link for the reminder, or None: no provider connected, or the provider could
        not make one now (the reminder goes out without it rather than not at all)."""
        try:
            return (await pay_link_for(self.billing, tenant_id, customer_id, amount)).line()
        except DomainError as exc:
            if exc.code != "payments_not_connected":
                log.warning("no pay link for a reminder", extra={"tenant_id": str(tenant_id),
                                                                 "code": exc.code})
            return None

    async def due(self, conn: Connection, tenant_id: uuid.UUID, now: datetime) -> list[PlanNotice]:
        record, _ = await plan_state.current(conn, tenant_id, now)
        zone = ZoneInfo(await tenants.get_timezone(conn, tenant_id) or "America/Mexico_City")
        name = record.plan.name
        found: list[PlanNotice] = []
        if record.status is BillingStatus.TRIAL and record.renews_at and (
                now < record.renews_at <= now + AHEAD):
            found.append(PlanNotice(
                f"trial_ends:{record.renews_at.date().isoformat()}",
                f"Tu prueba del plan {name} termina el {_day(record.renews_at, zone)}. Si no "
                "quieres seguir, cancélala en Cuenta en línea; la caja sigue vendiendo igual."))
        if record.status is BillingStatus.PAST_DUE and record.grace_until:
            found.append(PlanNotice(
                f"payment_failed:{record.grace_until.date().isoformat()}",
                f"No se pudo cobrar tu plan {name}. Actualiza tu tarjeta en Cuenta en línea antes "
                f"del {_day(record.grace_until, zone)} para no perder el bot y las demás "
                "funciones del plan. Vender, fiar y los cortes siguen igual."))
        if record.paid_until and now < record.paid_until <= now + AHEAD:
            found.append(PlanNotice(
                f"prepaid_ends:{record.paid_until.date().isoformat()}",
                f"Tus meses pagados del plan {name} terminan el {_day(record.paid_until, zone)}. "
                "Puedes pagar más meses (tarjeta u OXXO) en Cuenta en línea."))
        return found


def _day(when: datetime, zone: ZoneInfo) -> str:
    return shown_date(when, zone)
