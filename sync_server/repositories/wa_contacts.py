"""One shop's WhatsApp contacts (who wrote, who may be messaged, who is verified as which
customer or as the owner), their inbound messages and the one-time verification codes."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from sync_server.repositories import Connection

_COLUMNS = """contact_id, phone, bsuid, username, profile_name, phone_number_id, customer_id,
              verified_at, owner_id, first_inbound_at, last_inbound_at, opted_out_at,
              state::text AS state"""


@dataclass(frozen=True)
class Contact:
    contact_id: uuid.UUID
    phone: str | None
    bsuid: str | None
    username: str | None
    profile_name: str | None
    phone_number_id: str | None
    customer_id: uuid.UUID | None  # set only by a one-time code
    verified_at: datetime | None
    owner_id: uuid.UUID | None  # the owner verified this as their phone
    first_inbound_at: datetime | None
    last_inbound_at: datetime | None
    opted_out_at: datetime | None
    state: dict[str, Any]

    @property
    def display(self) -> str:
        return self.profile_name or self.username or "cliente"


def _contact(row: asyncpg.Record | None) -> Contact | None:
    if row is None:
        return None
    values = dict(row)
    values["state"] = json.loads(values["state"])
    return Contact(**values)


async def find(conn: Connection, tenant_id: uuid.UUID, phone: str | None,
               bsuid: str | None, *, lock: bool = False) -> Contact | None:
    """The contact with this BSUID, else with this phone (a BSUID is the surer key: a phone may
    be withheld, a number may change hands)."""
    lock_sql = " FOR UPDATE" if lock else ""
    for column, value in (("bsuid", bsuid), ("phone", phone)):
        if value:
            row = await conn.fetchrow(
                f"SELECT {_COLUMNS} FROM wa_contacts WHERE tenant_id = $1 AND {column} = $2"
                + lock_sql, tenant_id, value)
            if row:
                return _contact(row)
    return None


async def get(conn: Connection, tenant_id: uuid.UUID, contact_id: uuid.UUID, *,
              lock: bool = False) -> Contact | None:
    """``lock``: until commit, so one person's messages are answered one after another."""
    return _contact(await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM wa_contacts WHERE tenant_id = $1 AND contact_id = $2"
        + (" FOR UPDATE" if lock else ""), tenant_id, contact_id))


async def for_customer(conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID,
                       phone: str | None) -> Contact | None:
    """Where a message for this customer goes: the contact verified as them, else the one
    writing from their phone on file."""
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM wa_contacts WHERE tenant_id = $1
            AND (customer_id = $2 OR ($3::text IS NOT NULL AND phone = $3))
            ORDER BY (customer_id = $2) DESC NULLS LAST, last_inbound_at DESC NULLS LAST LIMIT 1""",
        tenant_id, customer_id, phone)
    return _contact(row)


async def insert(conn: Connection, tenant_id: uuid.UUID, contact_id: uuid.UUID,
                 phone: str | None, bsuid: str | None) -> None:
    await conn.execute(
        """INSERT INTO wa_contacts (tenant_id, contact_id, phone, bsuid) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING""", tenant_id, contact_id, phone, bsuid)


async def note_inbound(conn: Connection, tenant_id: uuid.UUID, contact_id: uuid.UUID, *,
                       phone: str | None, bsuid: str | None, username: str | None,
                       name: str | None, number: str, at: datetime) -> None:
    """They wrote: fill in what Meta told us of them (a phone or BSUID not yet known, unless
    another contact holds it), and move their 24-hour window (never backwards)."""
    await conn.execute(
        """UPDATE wa_contacts c SET
               phone = COALESCE(c.phone, (SELECT $3::text WHERE NOT EXISTS (
                   SELECT 1 FROM wa_contacts o WHERE o.tenant_id = $1 AND o.phone = $3))),
               bsuid = COALESCE(c.bsuid, (SELECT $4::text WHERE NOT EXISTS (
                   SELECT 1 FROM wa_contacts o WHERE o.tenant_id = $1 AND o.bsuid = $4))),
               username = COALESCE($5, c.username), profile_name = COALESCE($6, c.profile_name),
               phone_number_id = $7,
               first_inbound_at = LEAST(COALESCE(c.first_inbound_at, $8), $8),
               last_inbound_at = GREATEST(COALESCE(c.last_inbound_at, $8), $8),
               updated_at = now()
           WHERE tenant_id = $1 AND contact_id = $2""",
        tenant_id, contact_id, phone, bsuid, username, name, number, at)


async def save_state(conn: Connection, tenant_id: uuid.UUID, contact_id: uuid.UUID,
                     state: dict[str, Any]) -> None:
    await conn.execute(
        """UPDATE wa_contacts SET state = $3::jsonb, updated_at = now()
           WHERE tenant_id = $1 AND contact_id = $2""", tenant_id, contact_id, json.dumps(state))


async def set_opted_out(conn: Connection, tenant_id: uuid.UUID, contact_id: uuid.UUID,
                        at: datetime | None) -> None:
    await conn.execute(
        """UPDATE wa_contacts SET opted_out_at = $3, updated_at = now()
           WHERE tenant_id = $1 AND contact_id = $2""", tenant_id, contact_id, at)


async def insert_message(conn: Connection, tenant_id: uuid.UUID, wamid: str,
                         contact_id: uuid.UUID, kind: str, text: str | None,
                         body: dict[str, Any], sent_at: datetime) -> bool:
    """False when this message was already stored: it was handled, do nothing again."""
    done: str = await conn.execute(
        """INSERT INTO wa_messages (tenant_id, message_id, contact_id, type, text, body, sent_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) ON CONFLICT DO NOTHING""",
        tenant_id, wamid, contact_id, kind, text, json.dumps(body), sent_at)
    return done.endswith(" 1")


async def has_message(conn: Connection, tenant_id: uuid.UUID, wamid: str) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM wa_messages WHERE tenant_id = $1 AND message_id = $2)",
        tenant_id, wamid)
    return found


async def messages_of(conn: Connection, tenant_id: uuid.UUID,
                      contact_id: uuid.UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT message_id, type, text, sent_at FROM wa_messages
           WHERE tenant_id = $1 AND contact_id = $2 ORDER BY sent_at, received_at""",
        tenant_id, contact_id)
    return rows


# ---- one-time codes -----------------------------------------------------------------------------


async def add_code(conn: Connection, tenant_id: uuid.UUID, verification_id: uuid.UUID,
                   purpose: str, customer_id: uuid.UUID | None, owner_id: uuid.UUID | None,
                   code_hash: bytes, ttl_s: float) -> datetime:
    expires: datetime = await conn.fetchval(
        """INSERT INTO wa_verifications (tenant_id, verification_id, purpose, customer_id,
                                         owner_id, code_hash, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
           RETURNING expires_at""",
        tenant_id, verification_id, purpose, customer_id, owner_id, code_hash, ttl_s)
    return expires


@dataclass(frozen=True)
class UsedCode:
    purpose: str
    customer_id: uuid.UUID | None
    owner_id: uuid.UUID | None


async def use_code(conn: Connection, tenant_id: uuid.UUID, code_hash: bytes,
                   contact_id: uuid.UUID) -> UsedCode | None:
    """Spend an unexpired, unused code (once: the row lock makes a second use find nothing)."""
    row = await conn.fetchrow(
        """UPDATE wa_verifications SET used_at = now(), contact_id = $3
           WHERE tenant_id = $1 AND verification_id = (
               SELECT verification_id FROM wa_verifications
               WHERE tenant_id = $1 AND code_hash = $2 AND used_at IS NULL
                 AND expires_at > now() ORDER BY created_at DESC LIMIT 1 FOR UPDATE)
           RETURNING purpose, customer_id, owner_id""", tenant_id, code_hash, contact_id)
    return UsedCode(row["purpose"], row["customer_id"], row["owner_id"]) if row else None


async def link(conn: Connection, tenant_id: uuid.UUID, contact_id: uuid.UUID, *,
               customer_id: uuid.UUID | None = None, owner_id: uuid.UUID | None = None) -> None:
    """Verified: this contact is that customer (any other contact verified as them is not any
    more: one WhatsApp account per customer), or the owner."""
    if customer_id is not None:
        await conn.execute(
            """UPDATE wa_contacts SET customer_id = NULL, verified_at = NULL
               WHERE tenant_id = $1 AND customer_id = $2 AND contact_id <> $3""",
            tenant_id, customer_id, contact_id)
        await conn.execute(
            """UPDATE wa_contacts SET customer_id = $3, verified_at = now(), updated_at = now()
               WHERE tenant_id = $1 AND contact_id = $2""", tenant_id, contact_id, customer_id)
    if owner_id is not None:
        await conn.execute(
            """UPDATE wa_contacts SET owner_id = $3, verified_at = COALESCE(verified_at, now()),
                      updated_at = now()
               WHERE tenant_id = $1 AND contact_id = $2""", tenant_id, contact_id, owner_id)


# ---- orders placed over WhatsApp -------------------------------------------------------------


async def link_order(conn: Connection, tenant_id: uuid.UUID, order_id: uuid.UUID,
                     contact_id: uuid.UUID) -> None:
    await conn.execute(
        """INSERT INTO wa_orders (tenant_id, order_id, contact_id) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING""", tenant_id, order_id, contact_id)


async def contact_of_order(conn: Connection, tenant_id: uuid.UUID,
                           order_id: uuid.UUID) -> Contact | None:
    """Who placed the order over WhatsApp; else the contact of its customer or phone."""
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM wa_contacts c WHERE c.tenant_id = $1 AND c.contact_id IN (
                SELECT w.contact_id FROM wa_orders w WHERE w.tenant_id = $1 AND w.order_id = $2
                UNION ALL
                SELECT k.contact_id FROM orders o JOIN wa_contacts k
                  ON k.tenant_id = o.tenant_id
                 AND (k.customer_id = o.customer_id OR (o.phone IS NOT NULL AND k.phone = o.phone))
                WHERE o.tenant_id = $1 AND o.order_id = $2)
            ORDER BY c.last_inbound_at DESC NULLS LAST LIMIT 1""", tenant_id, order_id)
    return _contact(row)


async def owner_contact(conn: Connection, tenant_id: uuid.UUID) -> Contact | None:
    """The phone the shop's owner verified as theirs (the latest, if several)."""
    return _contact(await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM wa_contacts WHERE tenant_id = $1 AND owner_id IS NOT NULL
            ORDER BY verified_at DESC NULLS LAST LIMIT 1""", tenant_id))


async def customers_reachable(conn: Connection, tenant_id: uuid.UUID) -> set[uuid.UUID]:
    """Customers whose contact wrote to the shop or confirmed a code, and never said BAJA:
    verified as them, or writing from their phone on file (as ``for_customer`` finds them)."""
    rows = await conn.fetch(
        """SELECT DISTINCT c.customer_id FROM customers c
             JOIN wa_contacts w ON w.tenant_id = c.tenant_id
              AND (w.customer_id = c.customer_id OR (c.phone IS NOT NULL AND w.phone = c.phone))
            WHERE c.tenant_id = $1 AND NOT c.deleted AND w.opted_out_at IS NULL
              AND (w.first_inbound_at IS NOT NULL OR w.verified_at IS NOT NULL)""", tenant_id)
    return {r["customer_id"] for r in rows}
