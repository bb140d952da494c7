"""Each shop's subscription state, and the Checkout sessions it started (what each one buys)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sync_server.repositories import Connection


@dataclass(frozen=True)
class Subscription:
    tenant_id: uuid.UUID
    plan_id: str
    status: str
    stripe_customer_id: str | None
    stripe_subscription_id: str | None
    stripe_status: str | None
    renews_at: datetime | None
    cancel_at_period_end: bool
    past_due_since: datetime | None
    prepaid_until: datetime | None
    prepaid_plan_id: str | None
    trial_used: bool
    stripe_read_at: datetime | None

    @property
    def live(self) -> bool:
        """A Stripe subscription that still charges (or retries charging) the shop."""
        return bool(self.stripe_subscription_id) and self.status in LIVE


# Our states of a subscription Stripe still bills: past_due too (Stripe keeps retrying).
LIVE = frozenset({"trial", "active", "past_due"})


_COLUMNS = """tenant_id, plan_id, status, stripe_customer_id, stripe_subscription_id,
              stripe_status, renews_at, cancel_at_period_end, past_due_since, prepaid_until,
              prepaid_plan_id, trial_used, stripe_read_at"""


async def get(conn: Connection, tenant_id: uuid.UUID, *, lock: bool = False) -> Subscription | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM subscriptions WHERE tenant_id = $1"
        + (" FOR UPDATE" if lock else ""), tenant_id)
    return Subscription(**dict(row)) if row else None


async def take_turn(conn: Connection, tenant_id: uuid.UUID) -> None:
    """Until this transaction ends, the shop's other billing writes wait: a checkout and its
    subscription handled at once (the backfill's pass beside the worker's, or two replicas)
    locked the same rows in opposite orders and deadlocked."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"billing:{tenant_id}")


async def ensure(conn: Connection, tenant_id: uuid.UUID, free_plan: str) -> Subscription:
    """The shop's row, made on the free plan if it has none yet; locked until commit."""
    await conn.execute(
        """INSERT INTO subscriptions (tenant_id, plan_id) VALUES ($1, $2)
           ON CONFLICT (tenant_id) DO NOTHING""", tenant_id, free_plan)
    found = await get(conn, tenant_id, lock=True)
    assert found is not None
    return found


async def start_local_trial(
    conn: Connection, tenant_id: uuid.UUID, plan_id: str, until: datetime
) -> None:
    """A trial with no Stripe behind it (the demo shop's): nothing ever bills or ends it but
    a later Stripe reading."""
    await conn.execute(
        """UPDATE subscriptions SET plan_id = $2, status = 'trial', renews_at = $3,
                  updated_at = now() WHERE tenant_id = $1""", tenant_id, plan_id, until)


async def set_customer(conn: Connection, tenant_id: uuid.UUID, customer_id: str) -> None:
    await conn.execute(
        """UPDATE subscriptions SET stripe_customer_id = $2, updated_at = now()
           WHERE tenant_id = $1""", tenant_id, customer_id)


async def save_stripe_state(
    conn: Connection, tenant_id: uuid.UUID, read_at: datetime, *, plan_id: str, status: str,
    subscription_id: str, stripe_status: str, renews_at: datetime | None,
    cancel_at_period_end: bool, past_due_since: datetime | None,
) -> bool:
    """Write the subscription as Stripe showed it at ``read_at``; nothing if a newer reading is
    already stored (a slower worker with an older view). True if written."""
    done: str = await conn.execute(
        """UPDATE subscriptions SET plan_id = $3, status = $4, stripe_subscription_id = $5,
                  stripe_status = $6, renews_at = $7, cancel_at_period_end = $8,
                  past_due_since = $9, trial_used = trial_used OR $4 = 'trial',
                  stripe_read_at = $2, updated_at = now()
           WHERE tenant_id = $1 AND (stripe_read_at IS NULL OR stripe_read_at <= $2)""",
        tenant_id, read_at, plan_id, status, subscription_id, stripe_status, renews_at,
        cancel_at_period_end, past_due_since)
    return done.endswith(" 1")


async def extend_prepaid(
    conn: Connection, tenant_id: uuid.UUID, plan_id: str, until: datetime
) -> None:
    await conn.execute(
        """UPDATE subscriptions SET prepaid_until = $3, prepaid_plan_id = $2, updated_at = now()
           WHERE tenant_id = $1""", tenant_id, plan_id, until)


async def tenant_of_customer(conn: Connection, customer_id: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT mch_billing_tenant_of_customer($1)", customer_id)
    return found


# ---- checkout sessions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Checkout:
    tenant_id: uuid.UUID
    session_id: str
    purpose: str
    plan_id: str | None
    months: int | None
    package_id: str | None
    tokens: int | None
    amount: int
    url: str | None
    status: str
    created_at: datetime
    settled_at: datetime | None
    granted_at: datetime | None


_CHECKOUT = """tenant_id, session_id, purpose, plan_id, months, package_id, tokens, amount, url,
               status, created_at, settled_at, granted_at"""


async def insert_checkout(
    conn: Connection, tenant_id: uuid.UUID, session_id: str, purpose: str, *, amount: int,
    url: str | None, plan_id: str | None = None, months: int | None = None,
    package_id: str | None = None, tokens: int | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO billing_checkouts (tenant_id, session_id, purpose, plan_id, months,
                                          package_id, tokens, amount, url)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING""",
        tenant_id, session_id, purpose, plan_id, months, package_id, tokens, amount, url)


async def get_checkout(conn: Connection, tenant_id: uuid.UUID, session_id: str) -> Checkout | None:
    row = await conn.fetchrow(
        f"SELECT {_CHECKOUT} FROM billing_checkouts WHERE tenant_id = $1 AND session_id = $2",
        tenant_id, session_id)
    return Checkout(**dict(row)) if row else None


async def recent_checkouts(conn: Connection, tenant_id: uuid.UUID, limit: int = 20) -> list[Checkout]:
    rows = await conn.fetch(
        f"""SELECT {_CHECKOUT} FROM billing_checkouts WHERE tenant_id = $1
            ORDER BY created_at DESC LIMIT $2""", tenant_id, limit)
    return [Checkout(**dict(r)) for r in rows]


async def open_subscription_checkouts_before(conn: Connection, tenant_id: uuid.UUID,
                                             session_id: str) -> list[str]:
    """The shop's subscription sessions still open that were recorded before ``session_id``."""
    rows = await conn.fetch(
        """SELECT o.session_id FROM billing_checkouts o, billing_checkouts n
           WHERE o.tenant_id = $1 AND n.tenant_id = $1 AND n.session_id = $2
             AND o.purpose = 'subscription' AND o.status = 'open'
             AND (o.created_at, o.session_id) < (n.created_at, n.session_id)
           ORDER BY o.created_at""", tenant_id, session_id)
    return [r["session_id"] for r in rows]


async def settle_checkout(conn: Connection, tenant_id: uuid.UUID, session_id: str, status: str) -> None:
    """Record where a session stands. A paid or failed one stays so (Stripe never reverses
    either for a Checkout payment: a refund is a separate thing)."""
    await conn.execute(
        """UPDATE billing_checkouts SET status = $3,
                  settled_at = CASE WHEN $3 IN ('paid', 'failed', 'expired') THEN now() END
           WHERE tenant_id = $1 AND session_id = $2 AND status NOT IN ('paid', 'failed')
             AND status <> $3""", tenant_id, session_id, status)


async def claim_grant(conn: Connection, tenant_id: uuid.UUID, session_id: str) -> Checkout | None:
    """Mark a paid checkout granted, once: the second caller (a duplicate event, a second
    replica) gets None and grants nothing."""
    row = await conn.fetchrow(
        f"""UPDATE billing_checkouts SET granted_at = now()
            WHERE tenant_id = $1 AND session_id = $2 AND status = 'paid' AND granted_at IS NULL
            RETURNING {_CHECKOUT}""", tenant_id, session_id)
    return Checkout(**dict(row)) if row else None
