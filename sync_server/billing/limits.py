"""What a shop's plan allows, checked on the server: pairing one more till, the WhatsApp bot,
the month's AI tokens. Counter work (selling, fiado, cortes, reports, backups) is never
checked against a plan, and a till already paired keeps syncing whatever the plan says.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from shared.errors import DomainError
from shared.plans import InForce, pairing_refusal
from sync_server import db
from sync_server.billing import plan_state
from sync_server.repositories import Connection, Pool, owner_account
from sync_server.services import tokens
from sync_server.services.integrations import Integrations

BOT = "bot"  # the integrations kind holding the owner's bot switch and greeting


class TillLimitReached(DomainError):
    code = "plan_till_limit"


async def check_can_pair(conn: Connection, tenant_id: uuid.UUID) -> None:
    """Refuse one more till past the plan's limit, inside the caller's tenant transaction (the
    pairing holds the tenant row, so two tills pairing at once are counted one after the
    other). Tills already paired are never affected: a downgrade only stops new pairings."""
    _, force = await plan_state.current(conn, tenant_id)
    active = await owner_account.active_tills(conn, tenant_id)
    if not force.may_pair(active):
        raise TillLimitReached(pairing_refusal(force.limits, active))


async def in_force(pool: Pool, tenant_id: uuid.UUID) -> InForce:
    async with db.tenant_tx(pool, tenant_id) as conn:
        return (await plan_state.current(conn, tenant_id))[1]


async def bot_allowed(pool: Pool, tenant_id: uuid.UUID) -> bool:
    """Whether the shop's WhatsApp bot may answer: its plan has the bot and is in force (a
    past-due shop keeps it through the grace period)."""
    return (await in_force(pool, tenant_id)).limits.whatsapp_bot


def owner_switch(saved: Mapping[str, Any]) -> bool:
    """The owner's «Bot de WhatsApp» switch from its saved settings. Never touched means on: an
    owner who pays for a plan with the bot expects it to answer without hunting for a switch."""
    return bool(saved.get("enabled", True))


async def bot_off(pool: Pool, integrations: Integrations, tenant_id: uuid.UUID) -> str | None:
    """Why the shop's bot must not answer now (``"plan"``: its plan in force lacks it;
    ``"owner"``: the owner switched it off), or None when it may. The conversation asks this
    before every answer (``bot.conversation.BotGate``)."""
    if not await bot_allowed(pool, tenant_id):
        return "plan"
    saved = await integrations.masked(tenant_id, BOT)
    return None if owner_switch(saved.settings if saved else {}) else "owner"


async def token_plan(conn: Connection, tenant_id: uuid.UUID) -> tokens.Plan:
    """The token meter's view of the plan in force (``services.tokens.PlanLookup``): what it
    gives each month; packages come on top."""
    limits = (await plan_state.current(conn, tenant_id))[1].limits
    return tokens.Plan(limits.name, limits.monthly_tokens)
