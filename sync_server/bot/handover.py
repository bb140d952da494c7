"""The rule bot's hand-over to the shop's LLM assistant: free text the rules did not understand,
from the verified owner or a verified customer only, with the rules' answer as the fallback;
and the assistant's notice to the owner (tokens ran out) sent through the WhatsApp channel.

Who is handed over is decided by what the person proved (a code), never by what they say: a
stranger's free text never reaches an LLM (it costs the shop tokens and would hand a model
anyone's words); they get the rules' answer. The message's key (from its wamid) names the LLM
calls and writes, so a message handled again charges no tokens twice and writes nothing twice.
"""

from __future__ import annotations

import logging
import uuid

from shared.ids import new_uuid7
from sync_server.bot.assistant import Assistant, OwnerNotice, Person, Reply, RuleAnswer
from sync_server.bot.assistant import Turn as Said
from sync_server.bot.conversation import Turn
from sync_server.db import Pool, tenant_tx
from sync_server.jobs.delivery import NotSent
from sync_server.repositories import wa_history
from sync_server.repositories.wa_contacts import Contact
from sync_server.services.job_messages import ChannelMessages
from sync_server.tools.base import CallerRole

log = logging.getLogger(__name__)
NOTICE_KIND = "tokens_exhausted"


def person_of(contact: Contact) -> Person | None:
    """Who the assistant may answer: the verified owner, or a customer verified with a code.
    Their WhatsApp profile name stays out of the prompt (anyone can set it to anything)."""
    actor = f"whatsapp:{contact.contact_id}"
    if contact.owner_id is not None:
        return Person(CallerRole.OWNER, actor=actor)
    if contact.customer_id is not None:
        return Person(CallerRole.CUSTOMER, customer_id=contact.customer_id, actor=actor)
    return None


class HandOver:
    """Called by the rule bot (``ShopBrain``) for what it did not understand."""

    def __init__(self, assistant: Assistant, pool: Pool, history: int = 12) -> None:
        self.assistant, self.pool, self.history = assistant, pool, history

    @property
    def deadline_s(self) -> float:
        return self.assistant.deadline_s

    async def __call__(self, turn: Turn, fallback: RuleAnswer) -> Reply | None:
        """The assistant's reply (or the rules', if it could not give one); None when this
        person is not handed over at all (the caller answers by the rules)."""
        person = person_of(turn.contact)
        if person is None:
            return None
        async with tenant_tx(self.pool, turn.tenant_id) as conn:
            said = await wa_history.recent(conn, turn.tenant_id, turn.contact.contact_id,
                                           self.history)
        return await self.assistant.answer(turn.tenant_id, person, [Said(b, t) for b, t in said],
                                           turn.inbound.text, fallback, key=turn.key)


def owner_notices(pool: Pool, messages: ChannelMessages | None = None) -> OwnerNotice:
    """``Assistant(notify_owner=…)`` in production: the notice is queued to the owner's verified
    WhatsApp through the jobs' path (consent, caps, the 24-hour window and templates)."""
    channel = messages or ChannelMessages()

    async def tell(tenant_id: uuid.UUID, text: str) -> None:
        async with tenant_tx(pool, tenant_id) as conn:
            sent = await channel.to_owner(conn, tenant_id, new_uuid7(), NOTICE_KIND, text)
        if isinstance(sent, NotSent):
            log.info("the owner could not be told", extra={"tenant_id": str(tenant_id),
                                                           "reason": sent.reason})

    return tell
