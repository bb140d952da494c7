"""The inbox worker's lease: a batch whose answers are slow (an LLM's) renews its events' lease
before it could run out, so no other replica takes an event still to be worked; an event that
another worker did take meanwhile is left to it, not worked twice."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from pydantic import SecretStr

from shared.ids import new_uuid7
from sync_server import db
from sync_server.db import Pool, unscoped_tx
from sync_server.integrations.whatsapp_webhook import Inbound
from sync_server.repositories import tenants, wa_inbox
from sync_server.services.inbox_writer import InboxWriter
from sync_server.services.integrations import Integrations
from sync_server.services.whatsapp_inbox import InboxWorker, receive
from tests.support.wait import wait_until_async
from tests.support.whatsapp import APP_SECRET, SHOP_NUMBER_ID, message, signature

pytestmark = pytest.mark.anyio


async def test_a_slow_batch_keeps_its_lease_and_leaves_an_event_taken_by_another(pool, settings):
    tenant_id = new_uuid7()
    async with db.tenant_tx(pool, tenant_id) as conn:
        await tenants.insert(conn, tenant_id, "Tienda", "America/Mexico_City")
    await Integrations.from_settings(pool, settings).save(
        tenant_id, "whatsapp", {"phone_number_id": SHOP_NUMBER_ID}, {"token": "EAAG-x"})
    writer = InboxWriter(pool)
    for said in ("uno", "dos", "tres"):  # one person: one lane, worked in order
        raw = message(said, number=SHOP_NUMBER_ID, wamid=f"wamid.{said}")
        await receive(writer, SecretStr(APP_SECRET), raw, signature(raw))
    now = [1000.0]
    worked: list[str] = []
    fresh_at_start: list[bool] = []

    async def handler(pool_: Pool, tenant: uuid.UUID, number: str, key: str,
                      inbound: Inbound) -> None:
        async with unscoped_tx(pool_) as conn:
            fresh_at_start.append(await conn.fetchval(
                "SELECT claimed_at > now() - interval '5 seconds' FROM whatsapp_inbox "
                "WHERE event_key = $1", key))
            if inbound.text == "uno":
                # This answer took 25 s (an LLM's): the batch's claim is that old now...
                now[0] += 25
                await conn.execute("UPDATE whatsapp_inbox SET claimed_at = claimed_at - "
                                   "interval '25 seconds' WHERE handled_at IS NULL")
                # ...and another replica took "tres" meanwhile (a claim of its own).
                await conn.execute("UPDATE whatsapp_inbox SET attempts = attempts + 1 "
                                   "WHERE event_key LIKE '%wamid.tres%'")
        worked.append(inbound.text)
        async with unscoped_tx(pool_) as conn:
            await wa_inbox.mark_handled(conn, key, tenant, "answered")

    # work_s 20: the lease is 40 s, renewed once less than 20 s of it is left.
    worker = InboxWorker(pool, handler, shared_number=None, platform_account=None, client=None,
                         work_s=20, clock=lambda: now[0])
    assert worker.lease_s == 40
    assert await worker.run_once() == 3
    assert worked == ["uno", "dos"]  # "tres" is the other worker's now
    assert fresh_at_start == [True, True]  # "dos" started on a renewed lease, not a 25 s old one
    async with unscoped_tx(pool) as conn:
        left = await conn.fetch("SELECT event_key FROM whatsapp_inbox WHERE handled_at IS NULL")
    assert [r["event_key"] for r in left] == ["message:wamid.tres"]


async def _shop(pool: Pool, settings) -> uuid.UUID:
    tenant_id = new_uuid7()
    async with db.tenant_tx(pool, tenant_id) as conn:
        await tenants.insert(conn, tenant_id, "Tienda", "America/Mexico_City")
    await Integrations.from_settings(pool, settings).save(
        tenant_id, "whatsapp", {"phone_number_id": SHOP_NUMBER_ID}, {"token": "EAAG-x"})
    return tenant_id


async def _store(pool: Pool, said: str, wa_id: str) -> None:
    raw = message(said, number=SHOP_NUMBER_ID, wa_id=wa_id, wamid=f"wamid.{said}")
    await receive(InboxWriter(pool), SecretStr(APP_SECRET), raw, signature(raw))


async def _claimed(pool: Pool, said: str) -> bool:
    async with unscoped_tx(pool) as conn:
        return bool(await conn.fetchval("SELECT claimed_at IS NOT NULL FROM whatsapp_inbox "
                                        "WHERE event_key = $1", f"message:wamid.{said}"))


SLOW, FAST, THIRD = "5215599990000", "5215512345678", "5215511112222"


async def test_claims_roll_while_one_persons_answer_is_slow_and_keep_each_persons_order(
        pool, settings):
    """One person's answer waits (an LLM's); other people's messages, stored after it was
    claimed, are claimed and answered meanwhile; the slow person's next message is not taken
    until the first is answered; each is handled once; and events of a later claim, waiting for
    room, have their lease renewed with the rest."""
    await _shop(pool, settings)
    now = [1000.0]
    gates = {"lenta": asyncio.Event(), "uno": asyncio.Event()}
    started: dict[str, asyncio.Event] = {said: asyncio.Event() for said in gates}
    worked: list[str] = []
    fresh: list[bool] = []

    async def handler(pool_: Pool, tenant: uuid.UUID, number: str, key: str,
                      inbound: Inbound) -> None:
        async with unscoped_tx(pool_) as conn:
            if inbound.text == "tres":
                fresh.append(await conn.fetchval(
                    "SELECT claimed_at > now() - interval '5 seconds' FROM whatsapp_inbox "
                    "WHERE event_key = $1", key))
        if inbound.text in gates:
            started[inbound.text].set()
            await gates[inbound.text].wait()
        worked.append(inbound.text)
        async with unscoped_tx(pool_) as conn:
            await wa_inbox.mark_handled(conn, key, tenant, "answered")

    worker = InboxWorker(pool, handler, shared_number=None, platform_account=None, client=None,
                         poll_s=0.05, work_s=20, clock=lambda: now[0])
    await _store(pool, "lenta", SLOW)
    worker.start()
    try:
        await asyncio.wait_for(started["lenta"].wait(), 10)
        await _store(pool, "uno", FAST)
        worker.wake()
        await asyncio.wait_for(started["uno"].wait(), 10)  # both places taken now
        await _store(pool, "tres", THIRD)
        await _store(pool, "después", SLOW)
        worker.wake()
        # "tres" is claimed and waits for a place; "después" is not taken while "lenta" is.
        await wait_until_async(lambda: _claimed(pool, "tres"), what="the third person's claim")
        assert not await _claimed(pool, "después")
        now[0] += 25  # the claims in hand are old now: the next event renews every one
        async with unscoped_tx(pool) as conn:
            await conn.execute("UPDATE whatsapp_inbox SET claimed_at = claimed_at - "
                               "interval '25 seconds' WHERE handled_at IS NULL")
        gates["uno"].set()
        await wait_until_async(lambda: worked == ["uno", "tres"], what="the others' answers")
        gates["lenta"].set()
        await wait_until_async(lambda: len(worked) == 4, what="the slow person's answers")
    finally:
        await worker.stop()
    assert worked == ["uno", "tres", "lenta", "después"]
    assert fresh == [True]  # "tres" started on a renewed lease, not on its 25 s old claim
    async with unscoped_tx(pool) as conn:
        rows = await conn.fetch("SELECT attempts, handled_at FROM whatsapp_inbox")
    assert [(r["attempts"], r["handled_at"] is not None) for r in rows] == [(1, True)] * 4


async def test_another_replica_does_not_take_a_persons_message_while_one_is_being_answered(
        pool, settings):
    await _shop(pool, settings)
    gate, started = asyncio.Event(), asyncio.Event()
    worked: list[str] = []

    async def handler(pool_: Pool, tenant: uuid.UUID, number: str, key: str,
                      inbound: Inbound) -> None:
        if inbound.text == "primera":
            started.set()
            await gate.wait()
        worked.append(inbound.text)
        async with unscoped_tx(pool_) as conn:
            await wa_inbox.mark_handled(conn, key, tenant, "answered")

    def replica() -> InboxWorker:
        return InboxWorker(pool, handler, shared_number=None, platform_account=None,
                           client=None, poll_s=0.05)

    one, other = replica(), replica()
    await _store(pool, "primera", SLOW)
    one.start()
    try:
        await asyncio.wait_for(started.wait(), 10)
        await _store(pool, "segunda", SLOW)
        await _store(pool, "hola", FAST)
        assert await other.run_once() == 1  # the other person's, not the second of the first
        assert worked == ["hola"]
        gate.set()
        await wait_until_async(lambda: len(worked) == 3, what="the first person's answers")
    finally:
        await one.stop()
    assert worked == ["hola", "primera", "segunda"]
