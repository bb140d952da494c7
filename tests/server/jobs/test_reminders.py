"""Fiado reminders: only customers who opted in and owe from more than a week ago, with their
balance and a pay link when the shop takes payments online; at most one a week per customer
across replicas and restarts; nothing after BAJA; never at 21:00 or later, even when a run
reaches 21:00 while it sends."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.money import format_mxn
from sync_server.services import scheduled_jobs
from tests.support.jobs import Clock, Inbox, engine

pytestmark = pytest.mark.anyio

MX = ZoneInfo("America/Mexico_City")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=MX).astimezone(UTC)


class PayOnline:
    """A shop with a payment provider (the billing port; billing makes real links)."""

    async def line(self, tenant_id: uuid.UUID, customer_id: uuid.UUID, amount: int) -> str | None:
        return f"Paga {format_mxn(amount)} en línea: https://pagos.example/{customer_id}"


async def owing(shop, name: str, amount: int, since: datetime, paid: int = 0) -> uuid.UUID:
    change, customer_id = shop.till.customer(name, "+525512345678")
    await shop.till.push(change, shop.till.charge(customer_id, amount, since))
    if paid:
        await shop.till.push(shop.till.abono(customer_id, paid, since + timedelta(days=1)))
    return customer_id


async def test_opted_in_debtors_are_reminded_once_a_week_and_never_after_baja(pool, make_shop):
    shop = await make_shop()
    long_ago = local(2026, 11, 5, 12, 0)
    lupita = await owing(shop, "Lupita Hernández", 25_000, long_ago)
    beto = await owing(shop, "Beto Ramírez", 12_700, long_ago)  # never agreed
    rosa = await owing(shop, "Rosa Martínez", 9_000, local(2026, 11, 18, 12, 0))  # 2 days old
    carmen = await owing(shop, "Carmen Ortiz", 5_000, long_ago, paid=5_000)  # paid off
    await scheduled_jobs.choose(pool, shop.tenant_id, "fiado_reminders", True, time(10, 0))
    inbox = Inbox({lupita, rosa, carmen})
    clock = Clock(local(2026, 11, 20, 10, 1))

    def replica(name: str):
        return engine(pool, clock, name, messages=inbox, pay_links=PayOnline())

    await asyncio.gather(replica("a").tick(), replica("b").tick())
    (text,) = inbox.to(lupita)
    assert text.startswith("Hola, Lupita. Te saludamos de Abarrotes Doña Mary.")
    assert "tu saldo de fiado es de $250.00." in text
    assert f"Paga $250.00 en línea: https://pagos.example/{lupita}" in text
    assert text.endswith("Para no recibir estos recordatorios responde BAJA.")
    assert inbox.to(beto) == inbox.to(rosa) == inbox.to(carmen) == []
    assert len(inbox.queued) == 1

    clock.set(local(2026, 11, 22, 10, 1))  # a restarted server, two days later
    await replica("restarted").tick()
    assert len(inbox.to(lupita)) == 1
    (day_22,) = [r for r in await shop.runs("fiado_reminders") if r.period_key == "2026-11-22"]
    assert (day_22.status, day_22.reason, day_22.detail["waiting_a_week"]) == (
        "skipped", "nobody_due", 1)

    clock.set(local(2026, 11, 27, 10, 1))  # a week after the first: Lupita again, Rosa now
    await replica("c").tick()
    assert len(inbox.to(lupita)) == 2
    assert len(inbox.to(rosa)) == 1  # her debt is a week old now

    inbox.agreed.discard(lupita)  # she answered BAJA
    clock.set(local(2026, 12, 4, 10, 1))
    await replica("d").tick()
    assert len(inbox.to(lupita)) == 2
    assert len(inbox.to(rosa)) == 2  # her week came round; she did not say BAJA
    assert (await shop.runs("fiado_reminders"))[-1].detail["reminded"] == [str(rosa)]


async def test_a_tick_a_little_earlier_next_week_still_finds_the_week_passed(pool, make_shop):
    """The week is marked at the run's slot (10:00), not at the tick that ran it (10:05): next
    week's tick at 10:01 reminds again, rather than every 8 days."""
    shop = await make_shop()
    lupita = await owing(shop, "Lupita Hernández", 25_000, local(2026, 11, 5, 12, 0))
    await scheduled_jobs.choose(pool, shop.tenant_id, "fiado_reminders", True, time(10, 0))
    inbox = Inbox({lupita})
    clock = Clock(local(2026, 11, 20, 10, 5))
    await engine(pool, clock, messages=inbox).tick()
    assert len(inbox.to(lupita)) == 1
    clock.set(local(2026, 11, 27, 10, 1))
    await engine(pool, clock, messages=inbox).tick()
    assert len(inbox.to(lupita)) == 2


async def test_a_run_that_reaches_21_00_stops_and_the_rest_wait_for_tomorrow(pool, make_shop):
    shop = await make_shop()
    oldest = await owing(shop, "Doña Chuy", 30_000, local(2026, 10, 1, 12, 0))
    newer = await owing(shop, "Don Pancho", 20_000, local(2026, 11, 1, 12, 0))
    await scheduled_jobs.choose(pool, shop.tenant_id, "fiado_reminders", True, time(20, 59))
    inbox = Inbox({oldest, newer})
    clock = Clock(local(2026, 11, 20, 20, 59, 30))
    inbox.on_queue = lambda: clock.advance(minutes=1)  # sending the first takes us to 21:00:30

    await engine(pool, clock, messages=inbox).tick()
    assert (len(inbox.to(oldest)), len(inbox.to(newer))) == (1, 0)
    (run,) = await shop.runs("fiado_reminders")
    assert (run.status, run.detail["reminded"]) == ("sent", [str(oldest)])

    clock.set(local(2026, 11, 21, 20, 59, 10))
    await engine(pool, clock, messages=inbox).tick()
    assert (len(inbox.to(oldest)), len(inbox.to(newer))) == (1, 1)
