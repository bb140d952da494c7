"""Builders for the clean-up's tests (they bypass the webhooks, the workers and the code flows,
writing rows as the admin): webhook events handled or pending at given ages, and one-time codes
expired, used or live. Each row's key says what it is, so a test reads which ones are left."""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timedelta

import asyncpg

DAY = timedelta(days=1)

# key → (received this long before now, handled this long before now; None: still pending)
EVENT_AGES: dict[str, tuple[timedelta, timedelta | None]] = {
    "old-handled": (100 * DAY, 100 * DAY),
    "recent-handled": (10 * DAY, 10 * DAY),
    "old-pending": (200 * DAY, None),  # failing for months: kept whatever its age
    "old-handled-lately": (100 * DAY, 1 * DAY),  # received long ago, handled yesterday
}


async def webhook_events(admin: asyncpg.Connection, tenant_id: uuid.UUID, now: datetime) -> None:
    """One event per EVENT_AGES key in each event store: Stripe's, WhatsApp's inbox and the
    shop's payment notifications."""
    for key, (received, handled) in EVENT_AGES.items():
        at, done = now - received, (now - handled if handled else None)
        await admin.execute(
            """INSERT INTO stripe_events (event_id, type, created, livemode, body, source,
                                          received_at, handled_at, outcome)
               VALUES ($1, 'invoice.paid', $2, false, '{}', 'webhook', $2, $3,
                       CASE WHEN $3::timestamptz IS NOT NULL THEN 'ignored' END)""",
            f"evt_{key}", at, done)
        await admin.execute(
            """INSERT INTO whatsapp_inbox (event_key, kind, phone_number_id, body, received_at,
                                           handled_at)
               VALUES ($1, 'message', '1234', '{}', $2, $3)""", f"message:{key}", at, done)
        await admin.execute(
            """INSERT INTO pay_events (tenant_id, provider, event_key, body, received_at,
                                       handled_at)
               VALUES ($1, 'mercadopago', $2, '{}', $3, $4)""", tenant_id, key, at, done)


async def one_time_codes(admin: asyncpg.Connection, tenant_id: uuid.UUID, now: datetime) -> None:
    """An owner with an expired reset code and a live WhatsApp-verification code; WhatsApp
    confirmation codes expired, used two days ago, used just now and live."""
    owner_id = uuid.uuid4()
    await admin.execute(
        """INSERT INTO owners (tenant_id, owner_id, name, email, password_hash)
           VALUES ($1, $2, 'Doña Mary', $3, 'x')""",
        tenant_id, owner_id, f"{owner_id.hex}@example.mx")
    for purpose, expires in (("password_reset", now - 2 * DAY),
                             ("verify_whatsapp", now + timedelta(minutes=10))):
        await admin.execute(
            """INSERT INTO owner_codes (tenant_id, owner_id, purpose, code_hash, expires_at)
               VALUES ($1, $2, $3, $4, $5)""", tenant_id, owner_id, purpose, os.urandom(32),
            expires)
    codes = {"expired": (now - 2 * DAY, None), "used-long-ago": (now + DAY, now - 2 * DAY),
             "used-just-now": (now + DAY, now), "live": (now + timedelta(minutes=10), None)}
    for name, (expires, used) in codes.items():
        await admin.execute(
            """INSERT INTO wa_verifications (tenant_id, verification_id, purpose, customer_id,
                                             code_hash, expires_at, used_at, created_at)
               VALUES ($1, $2, 'customer', $3, $4, $5, $6, $7)""",
            tenant_id, verification_id(name), uuid.uuid4(),
            json.dumps(name).encode(), expires, used, now - 3 * DAY)


def verification_id(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, name)
