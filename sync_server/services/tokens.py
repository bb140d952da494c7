"""The assistant's tokens, per shop: what each LLM call used (the provider's own figures), the
balance it is charged against, the packages bought.

Two units. The ledger keeps the provider's input and output tokens as reported. The balance is
in the shop's tokens, the unit plans and packages are sold in (1,000, 3,000, 8,000, 20,000):
a call costs ``ceil((input + output) / llm_tokens_per_token)`` of them (a setting, 1,000 by
default). Balance = what is left of this month's plan allowance (the shop's local month; it
does not carry over) + what is left of the packages bought (they do not expire); a call
spends the allowance first.

Rules: a call starts only with a balance above zero, so the balance goes below zero by at
most the one call that crossed it; a call is charged once (its key: a retry of the same call
charges nothing); a package is credited once (its purchase id); the owner is told once each
time the balance runs out.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.clock import utc_now
from shared.errors import DomainError
from shared.ids import new_uuid7
from sync_server.db import Pool, tenant_tx
from sync_server.repositories import Connection, shop, tokens
from sync_server.repositories.tokens import Usage

PACKAGE_SIZES = (1_000, 3_000, 8_000, 20_000)  # what the billing issue sells


class InvalidPackage(DomainError):
    code = "invalid_package"


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    monthly_tokens: int


PlanLookup = Callable[[Connection, uuid.UUID], Awaitable[Plan]]


def fixed_plan(name: str, monthly_tokens: int) -> PlanLookup:
    """Every shop on one plan: for tests and tools about something else (the server looks each
    shop's own plan up: billing.limits.token_plan)."""
    async def lookup(_conn: Connection, _tenant_id: uuid.UUID) -> Plan:
        return Plan(name, monthly_tokens)

    return lookup


@dataclass(frozen=True, slots=True)
class Balance:
    plan: Plan
    month: date
    allowance_left: int
    packages_left: int
    input_tokens: int  # this month, the provider's tokens
    output_tokens: int
    calls: int

    @property
    def left(self) -> int:
        return self.allowance_left + self.packages_left


async def month_of(conn: Connection, tenant_id: uuid.UUID, now: datetime) -> date:
    """The first day of the shop's local month at ``now``."""
    profile = await shop.profile(conn, tenant_id)
    tz = ZoneInfo(profile.timezone if profile else "America/Mexico_City")
    return now.astimezone(tz).date().replace(day=1)


async def balance_in(conn: Connection, tenant_id: uuid.UUID, plan: Plan, month: date) -> Balance:
    s = await tokens.spent(conn, tenant_id, month)
    return Balance(plan, month, max(plan.monthly_tokens - s.allowance_used, 0), s.packages_left,
                   s.input_tokens, s.output_tokens, s.calls)


@dataclass(frozen=True, slots=True)
class Charge:
    fresh: bool  # False: this call's key was charged before (a retry), nothing charged now
    tokens: int  # the shop's tokens this call cost
    balance: Balance


class TokenMeter:
    def __init__(self, pool: Pool, plan_for: PlanLookup, llm_tokens_per_token: int = 1000,
                 clock: Callable[[], datetime] = utc_now) -> None:
        if llm_tokens_per_token < 1:
            raise ValueError("llm_tokens_per_token must be at least 1")
        self.pool, self.plan_for, self.per_token, self.clock = pool, plan_for, llm_tokens_per_token, clock

    def cost(self, input_tokens: int, output_tokens: int) -> int:
        """The shop's tokens a call costs, rounded up (a call that used anything costs ≥ 1)."""
        return -(-(input_tokens + output_tokens) // self.per_token)

    async def balance(self, tenant_id: uuid.UUID) -> Balance:
        async with tenant_tx(self.pool, tenant_id) as conn:
            return await self._balance(conn, tenant_id)

    async def _balance(self, conn: Connection, tenant_id: uuid.UUID) -> Balance:
        return await balance_in(conn, tenant_id, await self.plan_for(conn, tenant_id),
                                await month_of(conn, tenant_id, self.clock()))

    async def charge(self, tenant_id: uuid.UUID, call_key: str, provider: str, model: str,
                     input_tokens: int, output_tokens: int) -> Charge:
        """Charge one LLM call by its key (the same key again charges nothing). Charges of one
        shop queue on its account row, so two calls never both spend the same last tokens."""
        cost = self.cost(max(input_tokens, 0), max(output_tokens, 0))
        async with tenant_tx(self.pool, tenant_id) as conn:
            await tokens.lock_account(conn, tenant_id)
            before = await self._balance(conn, tenant_id)
            from_allowance = min(cost, before.allowance_left)
            fresh = await tokens.insert_usage(conn, tenant_id, new_uuid7(), Usage(
                call_key, before.month, provider, model, max(input_tokens, 0),
                max(output_tokens, 0), from_allowance, cost - from_allowance))
            after = await self._balance(conn, tenant_id) if fresh else before
        return Charge(fresh, cost if fresh else 0, after)

    async def credit_package(self, tenant_id: uuid.UUID, purchase_id: str, tokens_bought: int) -> bool:
        """Credit a bought package once per ``purchase_id`` (the billing issue calls this when
        a payment is confirmed); True when credited now, False when it was already. The same
        purchase id with another size is refused."""
        if tokens_bought not in PACKAGE_SIZES:
            raise InvalidPackage(f"No hay paquetes de {tokens_bought:,} tokens.")
        if not 1 <= len(purchase_id) <= 200:
            raise InvalidPackage("La compra no trae su identificador.")
        async with tenant_tx(self.pool, tenant_id) as conn:
            await tokens.lock_account(conn, tenant_id)
            month = await month_of(conn, tenant_id, self.clock())
            fresh = await tokens.insert_package(conn, tenant_id, new_uuid7(), month, purchase_id,
                                                tokens_bought)
            if not fresh and await tokens.package_tokens(conn, tenant_id, purchase_id) != tokens_bought:
                raise InvalidPackage("Esa compra ya se acreditó con otro paquete.",
                                     code="purchase_conflict")
            if fresh:
                await tokens.set_notice(conn, tenant_id, None)  # it may run out again: tell again
        return fresh

    async def exhausted_notice(self, tenant_id: uuid.UUID) -> bool:
        """True exactly once each time the balance runs out: the caller tells the owner then.
        A balance above zero again (a package, a new month) re-arms it."""
        async with tenant_tx(self.pool, tenant_id) as conn:
            noticed = await tokens.lock_account(conn, tenant_id)
            if (await self._balance(conn, tenant_id)).left > 0:
                if noticed is not None:
                    await tokens.set_notice(conn, tenant_id, None)
                return False
            if noticed is not None:
                return False
            await tokens.set_notice(conn, tenant_id, self.clock())
            return True
