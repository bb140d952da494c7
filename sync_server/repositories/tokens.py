"""The assistant's token ledger: what each LLM call used, the packages bought, and the lock
and notice row of each shop's account."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sync_server.repositories import Connection


async def lock_account(conn: Connection, tenant_id: uuid.UUID) -> datetime | None:
    """Lock the shop's token account until commit (made on first use); returns when the owner
    was last told the balance ran out (None: not told since it last had tokens)."""
    await conn.execute(
        "INSERT INTO token_accounts (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING", tenant_id)
    noticed: datetime | None = await conn.fetchval(
        "SELECT exhausted_notice_at FROM token_accounts WHERE tenant_id = $1 FOR UPDATE", tenant_id)
    return noticed


async def set_notice(conn: Connection, tenant_id: uuid.UUID, at: datetime | None) -> None:
    await conn.execute("UPDATE token_accounts SET exhausted_notice_at = $2 WHERE tenant_id = $1",
                       tenant_id, at)


@dataclass(frozen=True, slots=True)
class Spent:
    allowance_used: int  # of ``month``'s allowance
    packages_left: int  # everything bought, less what calls took from it (may be < 0 once)
    input_tokens: int  # this month, as the providers reported them
    output_tokens: int
    calls: int


async def spent(conn: Connection, tenant_id: uuid.UUID, month: date) -> Spent:
    row = await conn.fetchrow(
        """SELECT COALESCE(sum(from_allowance) FILTER (WHERE month = $2), 0)::bigint AS used,
                  (COALESCE(sum(credited), 0) - COALESCE(sum(from_packages), 0))::bigint AS left,
                  COALESCE(sum(input_tokens) FILTER (WHERE month = $2), 0)::bigint AS input,
                  COALESCE(sum(output_tokens) FILTER (WHERE month = $2), 0)::bigint AS output,
                  count(*) FILTER (WHERE month = $2 AND kind = 'usage') AS calls
           FROM token_ledger WHERE tenant_id = $1""", tenant_id, month)
    assert row is not None
    return Spent(row["used"], row["left"], row["input"], row["output"], row["calls"])


@dataclass(frozen=True, slots=True)
class Usage:
    call_key: str
    month: date
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    from_allowance: int
    from_packages: int


async def insert_usage(conn: Connection, tenant_id: uuid.UUID, entry_id: uuid.UUID, u: Usage) -> bool:
    """Record a call's usage once: False when its key was charged already (a retry)."""
    done = await conn.fetchval(
        """INSERT INTO token_ledger (tenant_id, entry_id, kind, month, call_key, provider, model,
                                     input_tokens, output_tokens, from_allowance, from_packages)
           VALUES ($1, $2, 'usage', $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT DO NOTHING RETURNING true""",
        tenant_id, entry_id, u.month, u.call_key, u.provider[:40], u.model[:120], u.input_tokens,
        u.output_tokens, u.from_allowance, u.from_packages)
    return bool(done)


async def insert_package(
    conn: Connection, tenant_id: uuid.UUID, entry_id: uuid.UUID, month: date, purchase_id: str,
    tokens: int,
) -> bool:
    """Credit a package once per purchase: False when that purchase was credited already."""
    done = await conn.fetchval(
        """INSERT INTO token_ledger (tenant_id, entry_id, kind, month, purchase_id, credited)
           VALUES ($1, $2, 'package', $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true""",
        tenant_id, entry_id, month, purchase_id, tokens)
    return bool(done)


async def package_tokens(conn: Connection, tenant_id: uuid.UUID, purchase_id: str) -> int | None:
    n: int | None = await conn.fetchval(
        "SELECT credited FROM token_ledger WHERE tenant_id = $1 AND purchase_id = $2",
        tenant_id, purchase_id)
    return n
