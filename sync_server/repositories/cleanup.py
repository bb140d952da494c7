"""Deleting what has served its purpose: expired pairing codes and one-time codes, old throttle
attempts, webhook events handled long ago. A webhook event still pending is never deleted: every
statement on an event table requires ``handled_at``."""

from __future__ import annotations

import uuid
from datetime import datetime

from sync_server.repositories import Connection

# Global event tables, deleted in batches of this many rows, each batch its own statement: the
# first night after a long outage (or after this job first ships) must not hold one huge delete.
BATCH = 5000


def _count(status: str) -> int:
    return int(status.split()[-1])


async def expired_pairing_codes(conn: Connection, tenant_id: uuid.UUID, before: datetime) -> int:
    """The shop's pairing codes that expired before ``before`` (used or not)."""
    return _count(await conn.execute(
        "DELETE FROM pairing_codes WHERE tenant_id = $1 AND expires_at < $2", tenant_id, before))


async def expired_owner_codes(conn: Connection, tenant_id: uuid.UUID, before: datetime) -> int:
    """The owners' one-time codes (password reset, verify WhatsApp) expired before ``before``;
    a used one is deleted when it is used."""
    return _count(await conn.execute(
        "DELETE FROM owner_codes WHERE tenant_id = $1 AND expires_at < $2", tenant_id, before))


async def spent_verifications(conn: Connection, tenant_id: uuid.UUID, before: datetime) -> int:
    """WhatsApp confirmation codes (customer or owner) expired or used before ``before``: what
    they proved is on the contact (verified_at, customer_id), not on the code."""
    return _count(await conn.execute(
        """DELETE FROM wa_verifications
           WHERE tenant_id = $1 AND (expires_at < $2 OR used_at < $2)""", tenant_id, before))


async def old_auth_attempts(conn: Connection, before: datetime) -> int:
    """Throttle attempts older than any window counts (global: the guesser has no shop)."""
    return _count(await conn.execute("DELETE FROM auth_attempts WHERE at < $1", before))


async def handled_pay_events(conn: Connection, tenant_id: uuid.UUID, before: datetime) -> int:
    """The shop's payment-provider notifications handled before ``before``."""
    return _count(await conn.execute(
        """DELETE FROM pay_events
           WHERE tenant_id = $1 AND handled_at IS NOT NULL AND handled_at < $2""",
        tenant_id, before))


async def handled_stripe_events(conn: Connection, before: datetime) -> int:
    """One batch (at most BATCH) of the platform's Stripe events handled before ``before``."""
    return _count(await conn.execute(
        """DELETE FROM stripe_events WHERE event_id IN (
               SELECT event_id FROM stripe_events
               WHERE handled_at IS NOT NULL AND handled_at < $1 LIMIT $2)""", before, BATCH))


async def handled_inbox_events(conn: Connection, before: datetime) -> int:
    """One batch (at most BATCH) of WhatsApp webhook items handled before ``before``."""
    return _count(await conn.execute(
        """DELETE FROM whatsapp_inbox WHERE event_key IN (
               SELECT event_key FROM whatsapp_inbox
               WHERE handled_at IS NOT NULL AND handled_at < $1 LIMIT $2)""", before, BATCH))
