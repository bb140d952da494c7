"""Where the jobs' messages go: the owner's verified WhatsApp and customers who opted in.

Jobs never call WhatsApp: they queue a message, in the run's own transaction, under a key made
of the job, the shop and the period (``Run.message_id``), and the outbound sender sends it at
most once, applying consent, caps, Meta's 24-hour window and the approved templates. A queued
message is what "sent" means for a run; a run that has nobody to send to is skipped with the
reason's code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from sync_server.db import Connection


@dataclass(frozen=True, slots=True)
class Queued:
    message_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class NotSent:
    reason: str  # stable code: no_channel, owner_not_verified, not_opted_in, opted_out
    message: str  # Spanish, for the owner's list of runs


Delivery = Queued | NotSent


class Messages(Protocol):
    """What the jobs need from the WhatsApp channel."""

    async def to_owner(self, conn: Connection, tenant_id: uuid.UUID, message_id: uuid.UUID,
                       kind: str, text: str) -> Delivery:
        """Queue ``text`` for the shop owner's verified phone."""
        ...

    async def to_customer(self, conn: Connection, tenant_id: uuid.UUID, message_id: uuid.UUID,
                          customer_id: uuid.UUID, kind: str, text: str) -> Delivery:
        """Queue ``text`` for a customer who opted in (never after BAJA)."""
        ...

    async def opted_in(self, conn: Connection, tenant_id: uuid.UUID) -> set[uuid.UUID]:
        """The shop's customers who agreed to be written (and did not say BAJA since)."""
        ...


NO_CHANNEL = NotSent("no_channel", "Este servidor aún no tiene el canal de WhatsApp para "
                                   "avisos; el mensaje quedó registrado sin enviarse.")


class NoChannel:
    """A server without the WhatsApp channel: nothing is queued, nobody has opted in."""

    async def to_owner(self, conn: Connection, tenant_id: uuid.UUID, message_id: uuid.UUID,
                       kind: str, text: str) -> Delivery:
        return NO_CHANNEL

    async def to_customer(self, conn: Connection, tenant_id: uuid.UUID, message_id: uuid.UUID,
                          customer_id: uuid.UUID, kind: str, text: str) -> Delivery:
        return NO_CHANNEL

    async def opted_in(self, conn: Connection, tenant_id: uuid.UUID) -> set[uuid.UUID]:
        return set()
