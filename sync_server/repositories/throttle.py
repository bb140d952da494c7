"""Authentication attempts per key (a client address or an account), shared by every replica."""

from __future__ import annotations

from collections.abc import Sequence

from sync_server.repositories import Connection


async def lock(conn: Connection, scope: str, key: str) -> None:
    """Hold (scope, key) until the transaction ends: checks and records of one key queue up."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{scope}:{key}")


async def recent(conn: Connection, scope: str, key: str, window_s: int) -> int:
    """Attempts of ``key`` in the last ``window_s`` seconds (under way or failed)."""
    n: int = await conn.fetchval(
        """SELECT count(*) FROM auth_attempts
           WHERE scope = $1 AND key = $2 AND at > now() - make_interval(secs => $3)""",
        scope, key, window_s)
    return n


async def record(conn: Connection, scope: str, key: str, window_s: int) -> int:
    """Add one attempt; forget this key's attempts too old to count. Returns its id."""
    await conn.execute(
        "DELETE FROM auth_attempts WHERE scope = $1 AND key = $2 "
        "AND at < now() - make_interval(secs => $3)", scope, key, window_s)
    attempt_id: int = await conn.fetchval(
        "INSERT INTO auth_attempts (scope, key) VALUES ($1, $2) RETURNING attempt_id", scope, key)
    return attempt_id


async def forget(conn: Connection, attempt_ids: Sequence[int]) -> None:
    """A success: its attempts no longer count against anyone."""
    await conn.execute("DELETE FROM auth_attempts WHERE attempt_id = ANY($1::bigint[])",
                       list(attempt_ids))


async def remember(conn: Connection, scope: str, key: str) -> None:
    """Keep one row for ``key``, stamped now (a success to remember, not an attempt)."""
    await conn.execute("DELETE FROM auth_attempts WHERE scope = $1 AND key = $2", scope, key)
    await conn.execute("INSERT INTO auth_attempts (scope, key) VALUES ($1, $2)", scope, key)
