"""A shop's plan: what each plan allows, the billing states, and what is in force at an instant.

The server and the tills apply the same rule (:func:`in_force`) to the same record (the
``plan`` entity on the wire, :class:`shared.sync.payloads.PlanPayload`), so a till that has
been offline for ten days still knows, from dates the record carries, whether its paid
features are on. Selling, fiado, cortes, reports and backups are never among the limited
things: no plan state can stop the counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from shared.clock import shown_date
from shared.money import format_mxn
from shared.spanish import count


class BillingStatus(StrEnum):
    """Where a shop's paid plan stands (the words Stripe's events lead to)."""

    FREE = "gratis"  # never paid, or nothing paid is left
    TRIAL = "trial"  # a subscription in its free trial
    ACTIVE = "active"  # a subscription paid up
    PAST_DUE = "past_due"  # a renewal failed: paid features stay on for the grace period
    CANCELLED = "cancelled"  # the subscription ended
    PREPAID = "prepaid"  # months paid ahead (card or OXXO), no subscription needed


STATUS_LABELS: dict[BillingStatus, str] = {
    BillingStatus.FREE: "Gratis",
    BillingStatus.TRIAL: "Periodo de prueba",
    BillingStatus.ACTIVE: "Activo",
    BillingStatus.PAST_DUE: "Pago pendiente",
    BillingStatus.CANCELLED: "Cancelado",
    BillingStatus.PREPAID: "Pagado por adelantado",
}


@dataclass(frozen=True, slots=True)
class PlanLimits:
    """What one plan allows. ``None`` is "no limit"."""

    code: str
    name: str
    monthly_price: int  # centavos MXN
    max_tills: int
    max_products: int | None
    max_users: int | None
    whatsapp_bot: bool
    monthly_tokens: int

    def describe(self) -> str:
        """One line for the owner: "Changarrito ($99.00 al mes): 2 cajas, bot de WhatsApp…"."""
        parts = [count(self.max_tills, 'caja')]
        parts.append(count(self.max_products, 'producto') if self.max_products is not None
                     else "productos sin límite")
        parts.append(f"{self.max_users} usuarios" if self.max_users is not None
                     else "usuarios sin límite")
        parts.append("bot de WhatsApp" if self.whatsapp_bot else "sin bot de WhatsApp")
        if self.monthly_tokens:
            parts.append(f"{self.monthly_tokens:,} tokens de IA al mes")
        price = "gratis" if self.monthly_price == 0 else f"{format_mxn(self.monthly_price)} al mes"
        return f"{self.name} ({price}): " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class InForce:
    """What a shop may use right now, and why."""

    limits: PlanLimits  # the paid plan's, or the free plan's once nothing paid is left
    status: BillingStatus
    paid_features: bool  # False: past due beyond the grace period, cancelled, expired
    until: datetime | None  # when this changes by itself (end of grace or of prepaid months)
    note: str  # es-MX, for the owner

    def may_pair(self, active_tills: int) -> bool:
        return active_tills < self.limits.max_tills


def in_force(
    plan: PlanLimits, free: PlanLimits, status: BillingStatus, now: datetime, *,
    paid_until: datetime | None = None, grace_until: datetime | None = None, zone: tzinfo = UTC,
) -> InForce:
    """The limits in force at ``now`` for a shop on ``plan`` in ``status``.

    ``paid_until`` is the end of prepaid months (status ``prepaid``); ``grace_until`` the end of
    a past-due grace period. Trial and active follow Stripe, which ends them with an event;
    the dates make prepaid and past-due end on time even with no event and no connection.
    Dates in the note are the shop's (``zone``).
    """
    if status in (BillingStatus.TRIAL, BillingStatus.ACTIVE):
        label = "en periodo de prueba" if status is BillingStatus.TRIAL else "activo"
        return InForce(plan, status, True, None, f"Plan {plan.name} {label}.")
    if status is BillingStatus.PREPAID and paid_until is not None and now < paid_until:
        return InForce(plan, status, True, paid_until, f"Plan {plan.name} pagado hasta el "
                       f"{_day(paid_until, zone)}.")
    if status is BillingStatus.PAST_DUE and grace_until is not None and now < grace_until:
        return InForce(plan, status, True, grace_until,
                       f"No se pudo cobrar el plan {plan.name}. Actualiza tu tarjeta antes del "
                       f"{_day(grace_until, zone)} para no perder sus funciones. Vender nunca se detiene.")
    if status is BillingStatus.FREE:
        return InForce(free, status, False, None, f"Plan {free.name}.")
    why = {
        BillingStatus.PAST_DUE: f"El pago del plan {plan.name} sigue pendiente",
        BillingStatus.CANCELLED: f"El plan {plan.name} se canceló",
        BillingStatus.PREPAID: f"Los meses pagados del plan {plan.name} terminaron",
    }.get(status, f"El plan {plan.name} no está vigente")
    return InForce(free, status, False, None,
                   f"{why}: la tienda usa el plan {free.name}. Vender, fiar, cortes, reportes y "
                   "respaldos siguen igual.")


def grace_end(past_due_since: datetime, grace_days: int) -> datetime:
    return past_due_since + timedelta(days=grace_days)


def add_months(start: datetime, months: int) -> datetime:
    """The same day ``months`` calendar months later (the 31st becomes the month's last day)."""
    if months < 0:
        raise ValueError("months must not be negative")
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return start.replace(year=year, month=month, day=min(start.day, last))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _day(when: datetime, zone: tzinfo) -> str:
    return shown_date(when, zone)


def pairing_refusal(limits: PlanLimits, active_tills: int) -> str:
    """The Spanish explanation when one more till would pass the plan's limit."""
    allowed = f"{limits.max_tills} caja" + ("s" if limits.max_tills != 1 else "")
    paired = f"{active_tills} vinculada" + ("s" if active_tills != 1 else "")
    return (f"Tu plan {limits.name} permite {allowed} y ya tienes {paired}. Da de baja una caja "
            "que ya no uses o cambia de plan en Cuenta en línea. Las cajas vinculadas siguen "
            "vendiendo.")
