"""What a shop's plan allows, checked on the server: pairing one more till, the WhatsApp bot,
the month's AI tokens. Counter work (selling, fiado, cortes, reports, backups) is never
checked against a plan, and a till already paired keeps syncing whatever the plan says.
"""

from __future__ import annotations

import uuid

from shared.errors import DomainError
from shared.plans import InForce, pairing_refusal
from sync_server import db
from sync_server.billing import plan_state
from sync_server.repositories import Connection, Pool, owner_account
from sync_server.services import tokens


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
    past-due shop keeps it through the grace period). The bot's own code asks this."""
    return (await in_force(pool, tenant_id)).limits.whatsapp_bot


async def token_plan(conn: Connection, tenant_id: uuid.UUID) -> tokens.Plan:
    """The token meter's view of the plan in force (``services.tokens.PlanLookup``): what it
    gives each month; packages come on top."""
    limits = (await plan_state.current(conn, tenant_id))[1].limits
    return tokens.Plan(limits.name, limits.monthly_tokens)
