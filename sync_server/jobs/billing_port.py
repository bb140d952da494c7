"""What the jobs need from billing: a payment link for a customer's fiado, and the notices a
shop's plan calls for (its trial ends in 3 days, a payment failed, prepaid time runs out).

Billing implements these; a server without billing has no links and no plan notices.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sync_server.db import Connection


class PayLinks(Protocol):
    async def line(self, tenant_id: uuid.UUID, customer_id: uuid.UUID, amount: int) -> str | None:
        """A line to add to a message ("Paga $200.00 en línea: https://…"), or None when the
        shop has no payment provider connected. Called with no transaction open: it may call
        the provider."""
        ...


@dataclass(frozen=True, slots=True)
class PlanNotice:
    key: str  # what it is about, once: "trial_ends:2026-12-08", "payment_failed:<since>"
    text: str  # Spanish, for the owner


class PlanNotices(Protocol):
    async def due(self, conn: Connection, tenant_id: uuid.UUID, now: datetime) -> list[PlanNotice]:
        """The notices the shop's plan calls for at ``now`` (each is sent once, by its key)."""
        ...


class NoBilling:
    """A server without billing: no payment links, no plan notices."""

    async def line(self, tenant_id: uuid.UUID, customer_id: uuid.UUID, amount: int) -> str | None:
        return None

    async def due(self, conn: Connection, tenant_id: uuid.UUID, now: datetime) -> list[PlanNotice]:
        return []
