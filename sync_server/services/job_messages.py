"""The scheduled jobs' messages through the WhatsApp channel (``jobs.delivery.Messages``).

A job's message is queued in the run's own transaction, in ``outbound_messages`` under the run's
key, and the outbound sender sends it at most once, with the channel's rules: consent (the
owner's verified phone; a customer who wrote or confirmed a code and never said BAJA), the daily
cap per person, free text inside Meta's 24-hour window and the approved template outside it.
"""

from __future__ import annotations

import uuid

from sync_server.db import Connection
from sync_server.jobs.delivery import Delivery, NotSent, Queued
from sync_server.repositories import customers, outbound, wa_contacts
from sync_server.services.whatsapp import NO_CONSENT, OPTED_OUT, consent_of

OWNER_NOT_VERIFIED = NotSent(
    "owner_not_verified",
    "El dueño aún no confirmó su WhatsApp con la tienda: pide un código en Cuenta en línea y "
    "envíalo desde tu celular para recibir los avisos.")


class ChannelMessages:
    async def to_owner(self, conn: Connection, tenant_id: uuid.UUID, message_id: uuid.UUID,
                       kind: str, text: str) -> Delivery:
        contact = await wa_contacts.owner_contact(conn, tenant_id)
        if contact is None:
            return OWNER_NOT_VERIFIED
        if contact.opted_out_at is not None:
            return NotSent("opted_out", OPTED_OUT)
        await outbound.insert_message(
            conn, tenant_id, message_id, kind=outbound.OWNER_NOTICE, body=text,
            contact_id=contact.contact_id, to_phone=contact.phone, to_bsuid=contact.bsuid)
        return Queued(message_id)

    async def to_customer(self, conn: Connection, tenant_id: uuid.UUID, message_id: uuid.UUID,
                          customer_id: uuid.UUID, kind: str, text: str) -> Delivery:
        phone = (await customers.phones(conn, tenant_id, [customer_id])).get(customer_id)
        contact = await wa_contacts.for_customer(conn, tenant_id, customer_id, phone)
        consent = consent_of(contact)
        if consent == "baja":
            return NotSent("opted_out", OPTED_OUT)
        if consent != "confirmado" or contact is None:
            return NotSent("not_opted_in", NO_CONSENT)
        await outbound.insert_message(
            conn, tenant_id, message_id, kind="reminder", body=text,
            contact_id=contact.contact_id, to_phone=contact.phone, to_bsuid=contact.bsuid,
            customer_id=customer_id)
        return Queued(message_id)

    async def opted_in(self, conn: Connection, tenant_id: uuid.UUID) -> set[uuid.UUID]:
        return await wa_contacts.customers_reachable(conn, tenant_id)
