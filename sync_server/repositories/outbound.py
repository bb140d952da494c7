"""Outbound WhatsApp messages: requests from tills, picked by the sender, marked with the outcome."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from shared.sync.envelopes import MessageRequestChange
from sync_server.repositories import Connection
from sync_server.repositories.bulk import insert_many

Origin = uuid.UUID | None
# NOTIFY is delivered when the inserting transaction commits (never before, never if it rolls
# back), to every listening replica: the sender wakes exactly when the request is visible.
CHANNEL = "mch_outbound"
DUE_WHEN_CONFIGURED = ("pending", "not_configured")


async def insert_requests(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin,
    changes: Sequence[MessageRequestChange],
) -> None:
    """A request applied again (same id, even under another change id) is inserted once."""
    await insert_many(conn, "outbound_messages", [
        ("tenant_id", "uuid"), ("request_id", "uuid"), ("customer_id", "uuid"),
        ("to_phone", "text"), ("kind", "text"), ("body", "text"), ("cashier_id", "uuid"),
        ("requested_at", "timestamptz"), ("device_id", "uuid"),
    ], [(tenant_id, m.id, m.customer_id, m.to, m.kind, m.text, m.cashier_id, m.requested_at,
         origin) for m in (c.payload for c in changes)], "ON CONFLICT DO NOTHING")
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(tenant_id))


async def insert_server_message(
    conn: Connection, tenant_id: uuid.UUID, request_id: uuid.UUID, customer_id: uuid.UUID,
    to_phone: str, kind: str, body: str,
) -> None:
    """A message the server itself sends a customer (a receipt for a payment made online):
    queued for the sender like a till's request, once per ``request_id``."""
    await conn.execute(
        """INSERT INTO outbound_messages (tenant_id, request_id, customer_id, to_phone, kind, body,
                                          requested_at)
           VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT DO NOTHING""",
        tenant_id, request_id, customer_id, to_phone, kind, body)
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(tenant_id))


async def count_last_day(conn: Connection, tenant_id: uuid.UUID) -> int:
    """Messages the shop asked for in the last 24 hours (its daily cap counts these)."""
    n: int = await conn.fetchval(
        """SELECT count(*) FROM outbound_messages
           WHERE tenant_id = $1 AND created_at > now() - interval '1 day'""", tenant_id)
    return n


async def due_tenants(conn: Connection, configured: bool, lease_s: float) -> list[uuid.UUID]:
    """Shops with a message due, waiting for credentials (when there are some now), or claimed
    longer ago than the lease (any connection: a definer function that answers only this)."""
    rows = await conn.fetch("SELECT t FROM mch_outbound_due_tenants($1, make_interval(secs => $2)) AS t",
                            configured, lease_s)
    return [r["t"] for r in rows]


@dataclass(frozen=True)
class Outbound:
    request_id: uuid.UUID
    to_phone: str
    body: str
    attempts: int  # including the one just claimed


async def claim_one(
    conn: Connection, tenant_id: uuid.UUID, statuses: Sequence[str]
) -> Outbound | None:
    """Claim the oldest due message: ``sending``, one more attempt, ``claimed_at`` now. The
    caller commits this BEFORE calling WhatsApp, so no transaction (nor row lock, nor pool
    connection) is held over the network, and a sender that dies mid-send leaves a claim that
    expires into ``failed`` rather than a row that looks untouched and is sent again.
    SKIP LOCKED: two replicas never claim the same message."""
    row = await conn.fetchrow(
        """UPDATE outbound_messages SET status = 'sending', attempts = attempts + 1,
                  claimed_at = now()
           WHERE tenant_id = $1 AND request_id = (
               SELECT request_id FROM outbound_messages
               WHERE tenant_id = $1 AND status = ANY ($2::text[]) AND next_attempt_at <= now()
               ORDER BY requested_at, request_id LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING request_id, to_phone, body, attempts""", tenant_id, list(statuses))
    return Outbound(**dict(row)) if row else None


async def expire_claims(conn: Connection, tenant_id: uuid.UUID, lease_s: float) -> int:
    """Claims older than the lease: the sender died or could not record the answer. WhatsApp
    may have the message: failed, and never sent again automatically."""
    done = await conn.execute(
        """UPDATE outbound_messages SET status = 'failed',
                  last_error = 'El envío se interrumpió: pudo haber llegado; no se reintenta '
                               'para no duplicarlo'
           WHERE tenant_id = $1 AND status = 'sending'
             AND claimed_at < now() - make_interval(secs => $2)""", tenant_id, lease_s)
    return int(done.split()[-1])


async def mark_sent(
    conn: Connection, tenant_id: uuid.UUID, request_id: uuid.UUID, provider_id: str | None,
    note: str | None = None,
) -> None:
    await conn.execute(
        """UPDATE outbound_messages SET status = 'sent', provider_id = $3, last_error = $4,
                  sent_at = now()
           WHERE tenant_id = $1 AND request_id = $2""", tenant_id, request_id, provider_id, note)


async def mark_retry(
    conn: Connection, tenant_id: uuid.UUID, request_id: uuid.UUID, error: str, delay_s: float
) -> None:
    await conn.execute(
        """UPDATE outbound_messages SET status = 'pending', last_error = $3,
                  next_attempt_at = now() + make_interval(secs => $4)
           WHERE tenant_id = $1 AND request_id = $2""", tenant_id, request_id, error, delay_s)


async def mark_failed(
    conn: Connection, tenant_id: uuid.UUID, request_id: uuid.UUID, error: str
) -> None:
    await conn.execute(
        """UPDATE outbound_messages SET status = 'failed', last_error = $3
           WHERE tenant_id = $1 AND request_id = $2""", tenant_id, request_id, error)


async def mark_not_configured(conn: Connection, tenant_id: uuid.UUID) -> int:
    """Pending messages wait for credentials; they are picked again once WhatsApp is set up."""
    done = await conn.execute(
        """UPDATE outbound_messages SET status = 'not_configured',
                  last_error = 'WhatsApp no está configurado en el servidor'
           WHERE tenant_id = $1 AND status = 'pending'""", tenant_id)
    return int(done.split()[-1])
