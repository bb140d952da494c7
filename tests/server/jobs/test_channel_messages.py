"""The jobs' messages through the WhatsApp channel (services/job_messages.py): the owner's
notices go to the phone the owner verified, reminders only to customers who wrote to the shop
and never said BAJA; each is queued once for the sender, under its run's key."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from sync_server.db import tenant_tx
from sync_server.integrations.graph import GraphAccount, GraphClient
from sync_server.services import scheduled_jobs
from sync_server.services.job_messages import ChannelMessages
from sync_server.services.whatsapp import OutboundSender
from tests.support.fakes.graph import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph
from tests.support.jobs import Clock, contact_wrote, engine
from tests.support.shop_facts import Line

pytestmark = pytest.mark.anyio

MX = ZoneInfo("America/Mexico_City")
OWNER_PHONE = "+525511110000"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=MX).astimezone(UTC)


async def queued(shop) -> list[tuple[str, str, str | None]]:
    async with tenant_tx(shop.pool, shop.tenant_id) as conn:
        rows = await conn.fetch("""SELECT kind, body, to_phone FROM outbound_messages
                                   WHERE tenant_id = $1 ORDER BY requested_at""", shop.tenant_id)
    return [(r["kind"], r["body"], r["to_phone"]) for r in rows]


async def test_the_owners_notice_waits_for_a_verified_phone_then_is_queued_once(pool, make_shop):
    shop = await make_shop()
    coca = next(p for p in shop.catalog if p.name == "Coca-Cola 600 ml")  # 60 in stock, min 24
    fanta = next(p for p in shop.catalog if p.name.startswith("Fanta"))  # min 6
    await shop.till.push(shop.till.sale([Line(coca, 40_000)], local(2026, 11, 20, 12, 0))[0])
    clock = Clock(local(2026, 11, 20, 21, 1))
    await engine(pool, clock, messages=ChannelMessages()).tick()
    (first,) = await shop.runs("low_stock")
    assert (first.status, first.reason) == ("skipped", "owner_not_verified")
    assert await queued(shop) == []

    await contact_wrote(pool, shop.tenant_id, OWNER_PHONE, owner=True)
    await shop.till.push(shop.till.sale([Line(fanta, 15_000)], local(2026, 11, 21, 12, 0))[0])
    clock.set(local(2026, 11, 21, 21, 1))
    for replica in ("a", "b"):  # a second replica, or a restart, queues nothing more
        await engine(pool, clock, replica, messages=ChannelMessages()).tick()
    ((_, body, to),) = [q for q in await queued(shop) if q[0] == "owner_notice"]
    assert to == OWNER_PHONE
    assert "Fanta" in body
    assert [r.status for r in await shop.runs("low_stock")] == ["skipped", "sent"]


async def test_reminders_reach_only_who_wrote_and_never_said_baja(pool, make_shop):
    shop = await make_shop()
    since = local(2026, 11, 5, 12, 0)
    people = {}
    for name, phone in (("Lupita", "+525512340001"), ("Beto", "+525512340002"),
                        ("Rosa", "+525512340003")):
        change, people[name] = shop.till.customer(name, phone)
        await shop.till.push(change, shop.till.charge(people[name], 10_000, since))
    await contact_wrote(pool, shop.tenant_id, "+525512340001")  # Lupita wrote to the shop
    await contact_wrote(pool, shop.tenant_id, "+525512340003", baja=True)  # Rosa: BAJA
    await scheduled_jobs.choose(pool, shop.tenant_id, "fiado_reminders", True, time(10, 0))
    channel = ChannelMessages()
    async with tenant_tx(pool, shop.tenant_id) as conn:
        assert await channel.opted_in(conn, shop.tenant_id) == {people["Lupita"]}

    await engine(pool, Clock(local(2026, 11, 20, 10, 1)), messages=channel).tick()
    reminders = [q for q in await queued(shop) if q[0] == "reminder"]
    assert [(to, "Lupita" in body) for _, body, to in reminders] == [("+525512340001", True)]


async def test_a_reminder_due_again_in_quiet_hours_waits_for_nine_at_the_sender(pool, make_shop):
    """Queued at 10:01, but due again after 21:00 (a retry, a backlog): the sender holds it
    until 09:00 shop time, in the shop's own zone (Tijuana here), and it goes then."""
    tijuana = ZoneInfo("America/Tijuana")
    shop = await make_shop(timezone="America/Tijuana")
    change, lupita = shop.till.customer("Lupita", "+525512340001")
    await shop.till.push(change, shop.till.charge(lupita, 10_000, local(2026, 11, 5, 12, 0)))
    await contact_wrote(pool, shop.tenant_id, "+525512340001")
    await scheduled_jobs.choose(pool, shop.tenant_id, "fiado_reminders", True, time(10, 0))
    clock = Clock(datetime(2026, 11, 20, 10, 1, tzinfo=tijuana).astimezone(UTC))
    await engine(pool, clock, messages=ChannelMessages()).tick()
    assert [q[0] for q in await queued(shop)] == ["reminder"]

    graph = FakeGraph().start()
    sender = OutboundSender(pool, GraphClient(graph.url, VERSION),
                            lambda _t: _account(), clock=clock)
    try:
        clock.set(datetime(2026, 11, 20, 22, 30, tzinfo=tijuana).astimezone(UTC))
        await sender.run_once()
        assert graph.sent() == []
        async with tenant_tx(pool, shop.tenant_id) as conn:
            row = await conn.fetchrow(
                """SELECT status, attempts, extract(epoch FROM next_attempt_at - now()) AS wait_s
                   FROM outbound_messages WHERE tenant_id = $1""", shop.tenant_id)
        assert (row["status"], row["attempts"]) == ("pending", 0)
        assert abs(float(row["wait_s"]) - 10.5 * 3600) < 120  # 22:30 → 09:00 in Tijuana

        clock.set(datetime(2026, 11, 21, 9, 1, tzinfo=tijuana).astimezone(UTC))
        async with tenant_tx(pool, shop.tenant_id) as conn:  # the 10.5 hours have passed
            await conn.execute("UPDATE outbound_messages SET next_attempt_at = now() "
                               "WHERE tenant_id = $1", shop.tenant_id)
        await sender.run_once()
        assert len(graph.sent()) == 1
    finally:
        await sender.client.aclose()
        graph.stop()


async def _account() -> GraphAccount:
    return GraphAccount(PHONE_NUMBER_ID, TOKEN)
