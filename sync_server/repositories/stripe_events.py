"""Events of the platform's Stripe account: stored once by id, claimed by one worker at a time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync_server.repositories import Connection

# NOTIFY on commit of a new event: the billing worker of every replica wakes.
CHANNEL = "mch_billing"


async def insert(
    conn: Connection, event_id: str, kind: str, created: datetime, livemode: bool, body: str,
    source: str,
) -> bool:
    """Store an event unless its id is known; True if it is new."""
    done: str = await conn.execute(
        """INSERT INTO stripe_events (event_id, type, created, livemode, body, source)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT (event_id) DO NOTHING""",
        event_id, kind, created, livemode, body, source)
    if done.endswith(" 1"):
        await conn.execute("SELECT pg_notify($1, 'stripe')", CHANNEL)
        return True
    return False


@dataclass(frozen=True)
class Claimed:
    event_id: str
    type: str
    body: dict[str, Any]
    attempts: int
    claimed_at: datetime  # the database's clock: later claims read Stripe later


async def claim_one(conn: Connection, lease_s: float) -> Claimed | None:
    """The oldest due event not handled and not claimed by a live worker (SKIP LOCKED: two
    replicas never take the same one). The caller commits the claim before working on it."""
    row = await conn.fetchrow(
        """UPDATE stripe_events SET claimed_at = clock_timestamp(), attempts = attempts + 1
           WHERE event_id = (
               SELECT event_id FROM stripe_events
               WHERE handled_at IS NULL AND next_attempt_at <= now()
                 AND (claimed_at IS NULL OR claimed_at < now() - make_interval(secs => $1))
               ORDER BY created, event_id LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING event_id, type, body::text AS body, attempts, claimed_at""", lease_s)
    if row is None:
        return None
    return Claimed(row["event_id"], row["type"], json.loads(row["body"]), row["attempts"],
                   row["claimed_at"])


async def mark_handled(conn: Connection, event_id: str, outcome: str) -> None:
    await conn.execute(
        """UPDATE stripe_events SET handled_at = now(), outcome = $2, last_error = NULL
           WHERE event_id = $1""", event_id, outcome[:500])


async def mark_retry(conn: Connection, event_id: str, error: str, delay_s: float) -> None:
    await conn.execute(
        """UPDATE stripe_events SET claimed_at = NULL, last_error = $2,
                  next_attempt_at = now() + make_interval(secs => $3)
           WHERE event_id = $1""", event_id, error[:1000], delay_s)


async def known_ids(conn: Connection, event_ids: list[str]) -> set[str]:
    rows = await conn.fetch("SELECT event_id FROM stripe_events WHERE event_id = ANY($1::text[])",
                            event_ids)
    return {r["event_id"] for r in rows}


async def outcomes(conn: Connection) -> dict[str, str | None]:
    """event id → outcome (None: not handled yet), for the backfill's report and tests."""
    rows = await conn.fetch("SELECT event_id, outcome FROM stripe_events")
    return {r["event_id"]: r["outcome"] for r in rows}
