"""Failed authentication attempts per client address, shared by every replica."""

from __future__ import annotations

from sync_server.repositories import Connection


async def lock(conn: Connection, scope: str, client: str) -> None:
    """Hold (scope, client) until the transaction ends: its checks and records queue up."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{scope}:{client}")


async def recent_failures(conn: Connection, scope: str, client: str, window_s: int) -> int:
    n: int = await conn.fetchval(
        """SELECT count(*) FROM auth_failures
           WHERE scope = $1 AND client = $2 AND failed_at > now() - make_interval(secs => $3)""",
        scope, client, window_s,
    )
    return n


async def record_failure(conn: Connection, scope: str, client: str, window_s: int) -> None:
    await conn.execute("INSERT INTO auth_failures (scope, client) VALUES ($1, $2)", scope, client)
    await conn.execute(
        "DELETE FROM auth_failures WHERE failed_at < now() - make_interval(secs => $1)",
        window_s * 2,
    )
