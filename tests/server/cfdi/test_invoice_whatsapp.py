"""A stamped self-invoice on the customer's WhatsApp, when they asked and the shop has its
channel: queued once through the outbound queue and sent by the real sender to the fake Graph
API as a document (the PDF's link, the XML's in its caption); refused without the person's
consent like any message the shop starts."""

from __future__ import annotations

import uuid

import pytest

from shared.fiscal import check_receptor
from sync_server import db
from sync_server.integrations.graph import GraphClient
from sync_server.services import invoicing
from sync_server.services.whatsapp import OutboundSender, accounts_from
from tests.support.cfdi import Item, drain, sale, sale_id_of
from tests.support.fakes.graph import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph

pytestmark = pytest.mark.anyio

CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")
PHONE = "+525512345678"


async def _channel(shop, wrote: bool) -> None:
    await shop.ctx.integrations.save(shop.tenant_id, "whatsapp",
                                     {"phone_number_id": PHONE_NUMBER_ID}, {"token": TOKEN})
    if wrote:  # builder: this phone wrote to the shop just now (consent), bypassing the webhook
        async with db.tenant_tx(shop.ctx.pool, shop.tenant_id) as conn:
            await conn.execute(
                """INSERT INTO wa_contacts (tenant_id, contact_id, phone, first_inbound_at,
                                            last_inbound_at)
                   VALUES ($1, $2, $3, now(), now())""", shop.tenant_id, uuid.uuid4(), PHONE)


async def _invoice(shop, whatsapp_to: str | None = PHONE):
    change = sale(shop.till, [Item("Refresco", 1800)])
    await shop.push(change)
    facts = await invoicing.ticket_facts(shop.ctx, shop.tenant_id, sale_id_of(change))
    got = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change), CUSTOMER,
                                         requested_by="customer", wait_s=5,
                                         whatsapp_to=whatsapp_to)
    return facts, got


def _sender(shop, graph: FakeGraph) -> OutboundSender:
    return OutboundSender(shop.ctx.pool, GraphClient(graph.url, VERSION),
                          accounts_from(shop.ctx.integrations))


async def _outbound(shop) -> list[tuple[str, str, str]]:
    async with db.tenant_tx(shop.ctx.pool, shop.tenant_id) as conn:
        rows = await conn.fetch("SELECT kind, to_phone, status FROM outbound_messages")
    return [(r["kind"], r["to_phone"], r["status"]) for r in rows]


async def test_the_stamped_invoice_goes_to_the_customers_whatsapp_once(shop, graph):
    await _channel(shop, wrote=True)
    facts, got = await _invoice(shop)
    assert facts.whatsapp
    assert got.stamped
    await drain(shop.ctx)  # nothing more to stamp: no second message
    sender = _sender(shop, graph)
    try:
        assert await sender.run_once() == 1
    finally:
        await sender.client.aclose()
    assert await _outbound(shop) == [("invoice", PHONE, "sent")]
    [sent] = graph.sent()
    document = sent.body["document"]
    assert sent.body["to"] == PHONE.lstrip("+")
    assert document["filename"] == "factura-F-1.pdf"
    base = f"/factura/d/{shop.tenant_id}/{got.invoice_id}/{got.access_key}"
    assert document["link"].endswith(base + ".pdf")
    assert base + ".xml" in document["caption"]


async def test_without_the_customers_consent_nothing_is_sent(shop, graph):
    await _channel(shop, wrote=False)
    await _invoice(shop)
    sender = _sender(shop, graph)
    try:
        await sender.run_once()
    finally:
        await sender.client.aclose()
    assert await _outbound(shop) == [("invoice", PHONE, "no_consent")]
    assert graph.sent() == []


async def test_not_asked_or_no_channel_queues_nothing(shop):
    facts, got = await _invoice(shop, whatsapp_to=None)
    assert not facts.whatsapp
    assert got.stamped
    assert await _outbound(shop) == []
