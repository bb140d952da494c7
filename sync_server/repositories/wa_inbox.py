"""WhatsApp's global tables: the webhook inbox, routing an event to its shop (its own number,
a shop code on the shared number, the shop of a message we sent), and the platform-wide
per-recipient cap. Nothing here is one shop's data until it is routed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sync_server.repositories import Connection
from sync_server.repositories.bulk import insert_many

CHANNEL = "mch_wa_inbox"


async def store(conn: Connection, items: Sequence[tuple[str, str, str, dict[str, Any]]]) -> None:
    """Items (key, kind, phone_number_id, body), in one statement: a key already stored (Meta's
    retry, a replay) is kept as it was. No NOTIFY here: see :func:`notify`."""
    await insert_many(conn, "whatsapp_inbox", [
        ("event_key", "text"), ("kind", "text"), ("phone_number_id", "text"), ("body", "jsonb"),
    ], [(k, kind, number, json.dumps(body)) for k, kind, number, body in items],
        "ON CONFLICT (event_key) DO NOTHING")


async def notify(conn: Connection) -> None:
    """Wake every replica's worker (each LISTENs on CHANNEL). Kept out of the storing
    statement's transaction: PostgreSQL commits notifying transactions one after another under
    a single lock, so webhooks that notified would wait for each other's commits."""
    await conn.execute("SELECT pg_notify($1, '')", CHANNEL)


@dataclass(frozen=True)
class InboxEvent:
    key: str
    kind: str
    phone_number_id: str
    body: dict[str, Any]
    attempts: int


def _person(alias: str) -> str:
    """SQL for whose message an event is, on which number (the worker's lane of a message:
    services.whatsapp_inbox._lane), or NULL for anything but a message from someone."""
    first = ", ".join(f"nullif({alias}.body->'{part}'->>'{field}', '')" for part, field in (
        ("contact", "user_id"), ("contact", "wa_id"), ("message", "from_user_id"),
        ("message", "from")))
    return (f"CASE WHEN {alias}.kind = 'message' THEN "
            f"{alias}.phone_number_id || ':' || coalesce({first}) END")


async def claim(conn: Connection, limit: int, lease_s: float) -> list[InboxEvent]:
    """The oldest unhandled events, claimed for ``lease_s`` (committed by the caller before it
    works on them). SKIP LOCKED: two replicas never take the same event; a claim older than
    the lease (its worker died) is taken again, and the work it did was rolled back with it.

    A person's message is not taken while another of their messages is claimed by a worker
    (any replica): one person's messages are answered one after another, in order. Claims take
    turns (a transaction lock), so each sees the claims committed before it."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('mch_wa_inbox_claim'))")
    rows = await conn.fetch(
        f"""UPDATE whatsapp_inbox SET claimed_at = now(), attempts = attempts + 1
           WHERE event_key IN (
               SELECT e.event_key FROM whatsapp_inbox e
               WHERE e.handled_at IS NULL
                 AND (e.claimed_at IS NULL OR e.claimed_at < now() - make_interval(secs => $2))
                 AND ({_person("e")} IS NULL OR {_person("e")} NOT IN (
                     SELECT {_person("o")} FROM whatsapp_inbox o
                     WHERE o.handled_at IS NULL AND o.kind = 'message'
                       AND o.claimed_at >= now() - make_interval(secs => $2)
                       AND {_person("o")} IS NOT NULL))
               ORDER BY e.received_at, e.event_key LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING event_key, kind, phone_number_id, body::text AS body, attempts, received_at""",
        limit, lease_s)
    ordered = sorted(rows, key=lambda r: (r["received_at"], r["event_key"]))
    return [InboxEvent(r["event_key"], r["kind"], r["phone_number_id"], json.loads(r["body"]),
                       r["attempts"]) for r in ordered]


async def renew(conn: Connection, claims: Mapping[str, int]) -> set[str]:
    """Renew the lease of events still claimed by us (event key → the attempt that claimed it:
    an event another worker claimed since has a higher one); the keys renewed."""
    if not claims:
        return set()
    rows = await conn.fetch(
        """UPDATE whatsapp_inbox SET claimed_at = now()
           WHERE handled_at IS NULL
             AND (event_key, attempts) IN (SELECT * FROM unnest($1::text[], $2::int[]))
           RETURNING event_key""", list(claims), list(claims.values()))
    return {r["event_key"] for r in rows}


async def mark_handled(conn: Connection, key: str, tenant_id: uuid.UUID | None,
                       outcome: str) -> None:
    await conn.execute(
        """UPDATE whatsapp_inbox SET handled_at = now(), routed_to = $2, outcome = $3
           WHERE event_key = $1""", key, tenant_id, outcome[:500])


async def count_unhandled(conn: Connection) -> int:
    n: int = await conn.fetchval("SELECT count(*) FROM whatsapp_inbox WHERE handled_at IS NULL")
    return n


# ---- routing ------------------------------------------------------------------------------------


async def number_tenant(conn: Connection, phone_number_id: str) -> uuid.UUID | None:
    """The shop whose own WhatsApp number this is (its ``whatsapp`` integration)."""
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT mch_whatsapp_number_tenant($1)", phone_number_id)
    return found


async def code_tenant(conn: Connection, code: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await conn.fetchval("SELECT mch_whatsapp_code_tenant($1)", code)
    return found


async def message_tenant(conn: Connection, wamid: str) -> uuid.UUID | None:
    """The shop that sent the message ``wamid`` (a status names only the message)."""
    found: uuid.UUID | None = await conn.fetchval("SELECT mch_whatsapp_message_tenant($1)", wamid)
    return found


async def shop_code(conn: Connection, tenant_id: uuid.UUID) -> str | None:
    code: str | None = await conn.fetchval(
        "SELECT code FROM whatsapp_shop_codes WHERE shop = $1", tenant_id)
    return code


async def add_shop_code(conn: Connection, tenant_id: uuid.UUID, code: str) -> bool:
    """False when the code is taken (by another shop) or this shop has one already."""
    done: str = await conn.execute(
        "INSERT INTO whatsapp_shop_codes (code, shop) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        code, tenant_id)
    return done.endswith(" 1")


async def shared_choice(conn: Connection, phone_number_id: str, person: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await conn.fetchval(
        """SELECT shop FROM whatsapp_shared_choices
           WHERE phone_number_id = $1 AND person_key = $2""", phone_number_id, person)
    return found


async def choose_shop(conn: Connection, phone_number_id: str, person: str,
                      tenant_id: uuid.UUID) -> None:
    await conn.execute(
        """INSERT INTO whatsapp_shared_choices (phone_number_id, person_key, shop)
           VALUES ($1, $2, $3)
           ON CONFLICT (phone_number_id, person_key)
           DO UPDATE SET shop = EXCLUDED.shop, chosen_at = now()""",
        phone_number_id, person, tenant_id)


async def forget_choice(conn: Connection, phone_number_id: str, person: str) -> None:
    await conn.execute(
        "DELETE FROM whatsapp_shared_choices WHERE phone_number_id = $1 AND person_key = $2",
        phone_number_id, person)


# ---- the platform's cap per recipient -----------------------------------------------------------


async def count_for_recipient(conn: Connection, day: date, recipient: bytes, cap: int) -> bool:
    """Count one more business-initiated message to ``recipient`` today; False (and nothing
    counted) once it already had ``cap``. Atomic across shops and replicas (the row lock)."""
    counted = await conn.fetchval(
        """INSERT INTO whatsapp_recipient_days AS d (day, recipient, sent) VALUES ($1, $2, 1)
           ON CONFLICT (day, recipient) DO UPDATE SET sent = d.sent + 1 WHERE d.sent < $3
           RETURNING sent""", day, recipient, cap)
    return counted is not None
