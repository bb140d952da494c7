"""Outbound WhatsApp messages: statements tills ask for, the bot's replies and order updates;
claimed by the sender, marked with the outcome, moved forward by Meta's status webhooks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.sync.envelopes import MessageRequestChange
from sync_server.repositories import Connection
from sync_server.repositories.bulk import insert_many

Origin = uuid.UUID | None
# NOTIFY is delivered when the inserting transaction commits (never before, never if it rolls
# back), to every listening replica: the sender wakes exactly when the request is visible.
CHANNEL = "mch_outbound"
DUE_WHEN_CONFIGURED = ("pending", "not_configured")
# Messages a business starts (each counts against the caps and needs the person's consent);
# a reply answers what the person just wrote.
OWNER_NOTICE = "owner_notice"  # the scheduled jobs' messages to the owner (daily summary, …)
INVOICE = "invoice"  # a customer's stamped self-invoice (its PDF and XML), when they asked
BUSINESS_INITIATED = ("statement", "order_update", "reminder", OWNER_NOTICE, INVOICE)
# Meta's statuses only move forward: a late "delivered" never undoes "read".
_RANK = "CASE {} WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 0 END"


async def insert_requests(
    conn: Connection, tenant_id: uuid.UUID, origin: Origin,
    changes: Sequence[MessageRequestChange],
) -> None:
    """A request applied again (same id, even under another change id) is inserted once."""
    known = await _stored(conn, tenant_id, [c.payload.id for c in changes])
    await insert_many(conn, "outbound_messages", [
        ("tenant_id", "uuid"), ("request_id", "uuid"), ("customer_id", "uuid"),
        ("to_phone", "text"), ("kind", "text"), ("body", "text"), ("cashier_id", "uuid"),
        ("requested_at", "timestamptz"), ("device_id", "uuid"),
    ], [(tenant_id, m.id, m.customer_id, m.to, m.kind, m.text, m.cashier_id, m.requested_at,
         origin) for m in (c.payload for c in changes) if m.id not in known],
        "ON CONFLICT DO NOTHING")
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(tenant_id))


async def insert_message(
    conn: Connection, tenant_id: uuid.UUID, request_id: uuid.UUID, *, kind: str, body: str,
    contact_id: uuid.UUID | None, to_phone: str | None, to_bsuid: str | None,
    customer_id: uuid.UUID | None = None, message: dict[str, Any] | None = None,
) -> bool:
    """A message the server itself sends (a reply, an order update), after the ones queued
    before it, even in the same transaction (clock_timestamp). ``request_id`` is its
    idempotency key: the same one again (a reprocessed event, a second till's identical status
    change) adds nothing. False then."""
    if await _stored(conn, tenant_id, [request_id]):
        return False
    done: str = await conn.execute(
        """INSERT INTO outbound_messages (tenant_id, request_id, customer_id, to_phone, to_bsuid,
                  contact_id, kind, body, message, requested_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, clock_timestamp())
           ON CONFLICT DO NOTHING""",
        tenant_id, request_id, customer_id, to_phone, to_bsuid, contact_id, kind, body[:4096],
        json.dumps(message) if message is not None else None)
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(tenant_id))
    return done.endswith(" 1")


async def insert_server_message(
    conn: Connection, tenant_id: uuid.UUID, request_id: uuid.UUID, customer_id: uuid.UUID,
    to_phone: str, kind: str, body: str,
) -> None:
    """A message the server itself sends a customer (a receipt for a payment made online):
    queued for the sender like a till's request, once per ``request_id``."""
    if await _stored(conn, tenant_id, [request_id]):
        return
    await conn.execute(
        """INSERT INTO outbound_messages (tenant_id, request_id, customer_id, to_phone, kind, body,
                                          requested_at)
           VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT DO NOTHING""",
        tenant_id, request_id, customer_id, to_phone, kind, body)
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(tenant_id))


async def _stored(
    conn: Connection, tenant_id: uuid.UUID, request_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those already stored, read without waiting. An INSERT .. ON CONFLICT DO NOTHING on a
    message the sender or the status webhook is changing waits for that transaction, which
    next takes the shop's feed to tell the tills (message_status), while a push inserting it
    already holds the feed: a deadlock. So a message already there is left out before
    inserting; ON CONFLICT stays for two inserts of a new one at once."""
    rows = await conn.fetch(
        """SELECT request_id FROM outbound_messages
           WHERE tenant_id = $1 AND request_id = ANY($2::uuid[])""", tenant_id, list(request_ids))
    return {r["request_id"] for r in rows}


async def count_last_day(conn: Connection, tenant_id: uuid.UUID) -> int:
    """Business-initiated messages of the shop in the last 24 hours (its daily cap counts
    these; replies to what people wrote do not)."""
    n: int = await conn.fetchval(
        """SELECT count(*) FROM outbound_messages
           WHERE tenant_id = $1 AND created_at > now() - interval '1 day'
             AND kind = ANY($2::text[])""", tenant_id, list(BUSINESS_INITIATED))
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
    to_phone: str | None
    body: str
    attempts: int  # including the one just claimed
    kind: str = "statement"
    to_bsuid: str | None = None
    customer_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    message: dict[str, Any] | None = None  # a reply's shape; None: text


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
           RETURNING request_id, to_phone, body, attempts, kind, to_bsuid, customer_id,
                     contact_id, message::text AS message""", tenant_id, list(statuses))
    if row is None:
        return None
    values = dict(row)
    values["message"] = json.loads(values["message"]) if values["message"] else None
    return Outbound(**values)


async def expire_claims(conn: Connection, tenant_id: uuid.UUID, lease_s: float) -> list[uuid.UUID]:
    """Claims older than the lease: the sender died or could not record the answer. WhatsApp
    may have the message: failed, and never sent again automatically. Returns their ids."""
    rows = await conn.fetch(
        """UPDATE outbound_messages SET status = 'failed',
                  last_error = 'El envío se interrumpió: pudo haber llegado; no se reintenta '
                               'para no duplicarlo'
           WHERE tenant_id = $1 AND status = 'sending'
             AND claimed_at < now() - make_interval(secs => $2)
           RETURNING request_id""", tenant_id, lease_s)
    return [r["request_id"] for r in rows]


async def mark_sent(
    conn: Connection, tenant_id: uuid.UUID, request_id: uuid.UUID, provider_id: str | None,
    note: str | None = None, *, template: str | None = None, phone_number_id: str | None = None,
    contact_id: uuid.UUID | None = None,
) -> None:
    """Sent. A status webhook that came before this (Meta can be that quick) already moved it
    further: keep that."""
    await conn.execute(
        f"""UPDATE outbound_messages SET provider_id = $3, last_error = $4, sent_at = now(),
                  status = CASE WHEN {_RANK.format('status')} > 1 THEN status ELSE 'sent' END,
                  template = $5, phone_number_id = $6, contact_id = COALESCE($7, contact_id)
           WHERE tenant_id = $1 AND request_id = $2""",
        tenant_id, request_id, provider_id, note, template, phone_number_id, contact_id)


async def mark_final(
    conn: Connection, tenant_id: uuid.UUID, request_id: uuid.UUID, status: str, reason: str
) -> None:
    """Not sent, and never will be: ``no_consent`` or ``capped`` (with the reason in Spanish)."""
    await conn.execute(
        """UPDATE outbound_messages SET status = $3, last_error = $4
           WHERE tenant_id = $1 AND request_id = $2""", tenant_id, request_id, status, reason)


async def defer(
    conn: Connection, tenant_id: uuid.UUID, request_id: uuid.UUID, reason: str, delay_s: float
) -> None:
    """Not tried after all (pacing, Meta's throttling): back to pending, the attempt given back."""
    await conn.execute(
        """UPDATE outbound_messages SET status = 'pending', attempts = greatest(attempts - 1, 0),
                  last_error = $3, next_attempt_at = now() + make_interval(secs => $4)
           WHERE tenant_id = $1 AND request_id = $2""", tenant_id, request_id, reason, delay_s)


async def apply_status(
    conn: Connection, tenant_id: uuid.UUID, provider_id: str, status: str, at: datetime,
    error_code: int | None, reason: str | None,
) -> uuid.UUID | None:
    """A status from Meta's webhook, in whatever order they come: sent < delivered < read, and
    never backwards; failed only over sent (a message seen delivered or read was not lost).
    The message's id when it moved; None when it changed nothing."""
    if status == "failed":
        moved: uuid.UUID | None = await conn.fetchval(
            """UPDATE outbound_messages SET status = 'failed', error_code = $3, last_error = $4
               WHERE tenant_id = $1 AND provider_id = $2 AND status IN ('sending', 'sent')
               RETURNING request_id""",
            tenant_id, provider_id, error_code, reason)
        return moved
    moved = await conn.fetchval(
        f"""UPDATE outbound_messages SET status = $3,
                  delivered_at = CASE WHEN $3 IN ('delivered', 'read')
                                      THEN COALESCE(delivered_at, $4) ELSE delivered_at END,
                  read_at = CASE WHEN $3 = 'read' THEN COALESCE(read_at, $4) ELSE read_at END
           WHERE tenant_id = $1 AND provider_id = $2 AND status IN ('sending', 'sent', 'delivered')
             AND {_RANK.format('status')} < {_RANK.format('$3')}
           RETURNING request_id""",
        tenant_id, provider_id, status, at)
    return moved


async def mark_retry(
    conn: Connection, tenant_id: uuid.UUID, request_id: uuid.UUID, error: str, delay_s: float
) -> None:
    await conn.execute(
        """UPDATE outbound_messages SET status = 'pending', last_error = $3,
                  next_attempt_at = now() + make_interval(secs => $4)
           WHERE tenant_id = $1 AND request_id = $2""", tenant_id, request_id, error, delay_s)


async def mark_failed(
    conn: Connection, tenant_id: uuid.UUID, request_id: uuid.UUID, error: str,
    code: int | None = None,
) -> None:
    await conn.execute(
        """UPDATE outbound_messages SET status = 'failed', last_error = $3, error_code = $4
           WHERE tenant_id = $1 AND request_id = $2""", tenant_id, request_id, error, code)


async def mark_not_configured(conn: Connection, tenant_id: uuid.UUID) -> list[uuid.UUID]:
    """Pending messages wait for credentials; they are picked again once WhatsApp is set up.
    Returns their ids."""
    rows = await conn.fetch(
        """UPDATE outbound_messages SET status = 'not_configured',
                  last_error = 'WhatsApp no está configurado en el servidor'
           WHERE tenant_id = $1 AND status = 'pending'
           RETURNING request_id""", tenant_id)
    return [r["request_id"] for r in rows]
