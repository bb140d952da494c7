"""Payment links, the providers' notifications, the payments that became abonos, and their
refunds and chargebacks."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync_server.repositories import Connection

# NOTIFY on commit of a stored notification: the billing worker of every replica wakes.
CHANNEL = "mch_billing"


@dataclass(frozen=True)
class PayLink:
    link_id: uuid.UUID
    provider: str
    customer_id: uuid.UUID
    amount: int
    provider_ref: str
    url: str
    methods: list[str]
    status: str
    created_at: datetime


_LINK = "link_id, provider, customer_id, amount, provider_ref, url, methods, status, created_at"


async def insert_link(conn: Connection, tenant_id: uuid.UUID, link: PayLink) -> None:
    await conn.execute(
        """INSERT INTO pay_links (tenant_id, link_id, provider, customer_id, amount, provider_ref,
                                  url, methods)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        tenant_id, link.link_id, link.provider, link.customer_id, link.amount, link.provider_ref,
        link.url, link.methods)


async def get_link(conn: Connection, tenant_id: uuid.UUID, link_id: uuid.UUID) -> PayLink | None:
    row = await conn.fetchrow(f"SELECT {_LINK} FROM pay_links WHERE tenant_id = $1 AND link_id = $2",
                              tenant_id, link_id)
    return PayLink(**dict(row)) if row else None


async def link_by_ref(conn: Connection, tenant_id: uuid.UUID, provider: str,
                      provider_ref: str) -> PayLink | None:
    row = await conn.fetchrow(
        f"""SELECT {_LINK} FROM pay_links
            WHERE tenant_id = $1 AND provider = $2 AND provider_ref = $3""",
        tenant_id, provider, provider_ref)
    return PayLink(**dict(row)) if row else None


async def customer_links(conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID,
                         limit: int = 20) -> list[PayLink]:
    rows = await conn.fetch(
        f"""SELECT {_LINK} FROM pay_links WHERE tenant_id = $1 AND customer_id = $2
            ORDER BY created_at DESC LIMIT $3""", tenant_id, customer_id, limit)
    return [PayLink(**dict(r)) for r in rows]


# ---- notifications ----------------------------------------------------------------------------


async def insert_event(conn: Connection, tenant_id: uuid.UUID, provider: str, key: str,
                       body: dict[str, Any]) -> bool:
    done: str = await conn.execute(
        """INSERT INTO pay_events (tenant_id, provider, event_key, body)
           VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT DO NOTHING""",
        tenant_id, provider, key, json.dumps(body))
    if done.endswith(" 1"):
        await conn.execute("SELECT pg_notify($1, 'pay')", CHANNEL)
        return True
    return False


async def due_tenants(conn: Connection, lease_s: float) -> list[uuid.UUID]:
    rows = await conn.fetch("SELECT t FROM mch_pay_due_tenants(make_interval(secs => $1)) AS t",
                            lease_s)
    return [r["t"] for r in rows]


@dataclass(frozen=True)
class ClaimedEvent:
    provider: str
    event_key: str
    body: dict[str, Any]
    attempts: int


async def claim_event(conn: Connection, tenant_id: uuid.UUID, lease_s: float) -> ClaimedEvent | None:
    row = await conn.fetchrow(
        """UPDATE pay_events SET claimed_at = now(), attempts = attempts + 1
           WHERE (tenant_id, provider, event_key) = (
               SELECT tenant_id, provider, event_key FROM pay_events
               WHERE tenant_id = $1 AND handled_at IS NULL AND next_attempt_at <= now()
                 AND (claimed_at IS NULL OR claimed_at < now() - make_interval(secs => $2))
               ORDER BY received_at LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING provider, event_key, body::text AS body, attempts""", tenant_id, lease_s)
    if row is None:
        return None
    return ClaimedEvent(row["provider"], row["event_key"], json.loads(row["body"]), row["attempts"])


async def mark_event(conn: Connection, tenant_id: uuid.UUID, provider: str, key: str,
                     outcome: str) -> None:
    await conn.execute(
        """UPDATE pay_events SET handled_at = now(), outcome = $4, last_error = NULL
           WHERE tenant_id = $1 AND provider = $2 AND event_key = $3""",
        tenant_id, provider, key, outcome[:500])


async def retry_event(conn: Connection, tenant_id: uuid.UUID, provider: str, key: str,
                      error: str, delay_s: float) -> None:
    await conn.execute(
        """UPDATE pay_events SET claimed_at = NULL, last_error = $4,
                  next_attempt_at = now() + make_interval(secs => $5)
           WHERE tenant_id = $1 AND provider = $2 AND event_key = $3""",
        tenant_id, provider, key, error[:1000], delay_s)


# ---- payments and reversals -------------------------------------------------------------------


async def insert_payment(conn: Connection, tenant_id: uuid.UUID, provider: str, payment_ref: str,
                         link_id: uuid.UUID, abono_id: uuid.UUID, amount: int, method: str,
                         paid_at: datetime) -> bool:
    """Record that a provider payment became an abono; False if it already had (once)."""
    done: str = await conn.execute(
        """INSERT INTO pay_payments (tenant_id, provider, payment_ref, link_id, abono_id, amount,
                                     method, paid_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING""",
        tenant_id, provider, payment_ref, link_id, abono_id, amount, method, paid_at)
    if not done.endswith(" 1"):
        return False
    await conn.execute("UPDATE pay_links SET status = 'paid' WHERE tenant_id = $1 AND link_id = $2",
                       tenant_id, link_id)
    return True


@dataclass(frozen=True)
class PaidPayment:
    payment_ref: str
    link_id: uuid.UUID
    abono_id: uuid.UUID
    amount: int


async def payment(conn: Connection, tenant_id: uuid.UUID, provider: str,
                  payment_ref: str, *, lock: bool = False) -> PaidPayment | None:
    """``lock``: a transaction-scoped advisory lock on the payment (the app role may not
    UPDATE pay_payments, so no row lock), so two replicas reading one payment's refunds take
    turns and the second sees what the first recorded."""
    if lock:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                           f"pay_payment:{tenant_id}:{provider}:{payment_ref}")
    row = await conn.fetchrow(
        """SELECT payment_ref, link_id, abono_id, amount FROM pay_payments
           WHERE tenant_id = $1 AND provider = $2 AND payment_ref = $3""",
        tenant_id, provider, payment_ref)
    return PaidPayment(**dict(row)) if row else None


async def insert_reversal(conn: Connection, tenant_id: uuid.UUID, provider: str, reversal_ref: str,
                          payment_ref: str, kind: str, amount: int, charge_id: uuid.UUID) -> bool:
    done: str = await conn.execute(
        """INSERT INTO pay_reversals (tenant_id, provider, reversal_ref, payment_ref, kind, amount,
                                      charge_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""",
        tenant_id, provider, reversal_ref, payment_ref, kind, amount, charge_id)
    return done.endswith(" 1")


async def reversed_amount(conn: Connection, tenant_id: uuid.UUID, provider: str,
                          payment_ref: str) -> int:
    n: int = await conn.fetchval(
        """SELECT COALESCE(sum(amount), 0)::bigint FROM pay_reversals
           WHERE tenant_id = $1 AND provider = $2 AND payment_ref = $3""",
        tenant_id, provider, payment_ref)
    return n


@dataclass(frozen=True)
class CustomerContact:
    name: str
    phone: str | None
    balance: int


async def customer_contact(conn: Connection, tenant_id: uuid.UUID,
                           customer_id: uuid.UUID) -> CustomerContact | None:
    row = await conn.fetchrow(
        """SELECT c.name, c.phone, COALESCE(b.balance, 0)::bigint AS balance FROM customers c
           LEFT JOIN customer_balances b ON b.tenant_id = c.tenant_id
                                        AND b.customer_id = c.customer_id
           WHERE c.tenant_id = $1 AND c.customer_id = $2 AND NOT c.deleted""",
        tenant_id, customer_id)
    return CustomerContact(**dict(row)) if row else None
