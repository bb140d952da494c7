"""Records settle by last writer wins; the feed pages in order and knows what it has."""

from __future__ import annotations

import pytest

from shared.ids import new_uuid7
from sync_server.repositories import customers, feed, outbound, tenants
from tests.support.wire_changes import TillChanges

pytestmark = pytest.mark.anyio


async def test_a_customer_edit_wins_only_with_a_newer_stamp(conn, tenant_id):
    b = TillChanges("C2")
    cid = new_uuid7()
    old = b.customer("Lupita", "+525512345678", cid)  # one clock: a later stamp
    new = b.customer("Guadalupe", None, cid)
    await customers.upsert_lww(conn, tenant_id, new_uuid7(), [new])
    await customers.upsert_lww(conn, tenant_id, new_uuid7(), [old])  # older: loses
    assert await customers.phones(conn, tenant_id, [cid, new_uuid7()]) == {cid: None}
    gone = b.change("customer", {"id": cid, "name": "Guadalupe"}, op="delete")
    await customers.upsert_lww(conn, tenant_id, new_uuid7(), [gone])
    assert await customers.phones(conn, tenant_id, [cid]) == {}


async def test_the_feed_pages_after_a_cursor_without_or_with_a_devices_own(conn, tenant_id):
    mine, other = new_uuid7(), new_uuid7()
    till = TillChanges()
    changes = [till.movement(new_uuid7(), 1000) for _ in range(4)]
    origins = [mine, None, other, mine]
    head = await tenants.lock_feed_head(conn, tenant_id)
    await feed.append(conn, [
        (tenant_id, head + i, c.change_id, o, c.device_seq, c.entity, c.op, c.hlc,
         c.model_dump_json()) for i, (c, o) in enumerate(zip(changes, origins, strict=True), 1)])
    await tenants.set_feed_head(conn, tenant_id, head + 4)
    assert await tenants.feed_head(conn, tenant_id) == 4
    others = await feed.page(conn, tenant_id, 0, 4, mine, 10)
    every = await feed.page(conn, tenant_id, 0, 4, None, 10)
    assert [r["seq"] for r in others] == [2, 3]
    assert [r["seq"] for r in every] == [1, 2, 3, 4]  # the server's own (no origin) included
    assert [r["seq"] for r in await feed.page(conn, tenant_id, 1, 3, None, 1)] == [2]
    known = await feed.known_change_ids(conn, tenant_id, [changes[0].change_id, new_uuid7()])
    assert known == {changes[0].change_id}


async def test_message_requests_count_toward_the_days_cap_once(conn, tenant_id):
    till = TillChanges()
    cid = new_uuid7()
    request = till.change("message_request", {
        "id": new_uuid7(), "customer_id": cid, "to": "+525512345678", "kind": "statement",
        "text": "Su saldo es $10.00", "requested_at": "2026-01-05T12:00:00+00:00"})
    await outbound.insert_requests(conn, tenant_id, None, [request])
    await outbound.insert_requests(conn, tenant_id, None, [request])
    assert await outbound.count_last_day(conn, tenant_id) == 1
    claimed = await outbound.claim_one(conn, tenant_id, outbound.DUE_WHEN_CONFIGURED)
    assert claimed is not None
    assert (claimed.to_phone, claimed.attempts) == ("+525512345678", 1)
    assert await outbound.claim_one(conn, tenant_id, outbound.DUE_WHEN_CONFIGURED) is None
