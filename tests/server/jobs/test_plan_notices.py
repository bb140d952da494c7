"""Plan notices reach the owner once each, by their key, whatever the replicas and days: billing
says which are due (a stand-in here: the billing port is implemented by the billing issue)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sync_server.db import Connection
from sync_server.jobs.billing_port import PlanNotice
from tests.support.jobs import Clock, Inbox, engine

pytestmark = pytest.mark.anyio

MX = ZoneInfo("America/Mexico_City")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=MX).astimezone(UTC)


def notices(inbox: Inbox) -> list[str]:
    return [text for _, kind, text in inbox.queued if kind == "plan_notice"]


class Trial:
    """A trial ending on the 23rd, told from three days before; a payment failing on the 21st."""

    async def due(self, conn: Connection, tenant_id: uuid.UUID, now: datetime) -> list[PlanNotice]:
        out = []
        if local(2026, 11, 20, 0, 0) <= now < local(2026, 11, 23, 0, 0):
            out.append(PlanNotice("trial_ends:2026-11-23", "Tu prueba termina el lunes 23/11."))
        if now >= local(2026, 11, 21, 0, 0):
            out.append(PlanNotice("payment_failed:2026-11-21", "No pudimos cobrar tu plan."))
        return out


async def test_each_plan_notice_reaches_the_owner_once(pool, make_shop):
    shop = await make_shop()
    inbox = Inbox()
    clock = Clock(local(2026, 11, 20, 10, 1))

    def replica(name: str):
        return engine(pool, clock, name, messages=inbox, plans=Trial())

    await asyncio.gather(replica("a").tick(), replica("b").tick())
    assert notices(inbox) == ["Tu prueba termina el lunes 23/11."]

    clock.set(local(2026, 11, 21, 10, 1))
    await asyncio.gather(replica("a").tick(), replica("restarted").tick())
    clock.set(local(2026, 11, 22, 10, 1))
    await replica("c").tick()
    assert notices(inbox) == [
        "Tu prueba termina el lunes 23/11.", "No pudimos cobrar tu plan."]
    told = [(r.period_key, r.status) for r in await shop.runs("plan_notice")]
    assert told == [("payment_failed:2026-11-21", "sent"), ("trial_ends:2026-11-23", "sent")]
