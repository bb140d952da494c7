"""PostgreSQL: the embedded server for first runs, migrations, the pool and tenant-scoped transactions."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from sync_server.repositories import Connection as Connection
from sync_server.repositories import Pool as Pool

log = logging.getLogger(__name__)


MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "database" / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_MIGRATION_LOCK = 0x6D63685F6D6967  # advisory lock key: replicas starting together migrate once


class EmbeddedPostgres:
    """The embedded PostgreSQL in ``data_dir`` (started, or attached to if already running).

    It listens on a Unix socket only. :meth:`stop` stops it once no other process of ours
    uses it; call it on shutdown, because uvicorn re-raises SIGTERM after a graceful
    shutdown and atexit hooks then never run.
    """

    def __init__(self, data_dir: Path) -> None:
        from pgserver import postgres_server  # optional dependency: the 'embedded' extra

        data_dir.mkdir(parents=True, exist_ok=True)
        self._server = postgres_server.get_server(data_dir / "pgdata", cleanup_mode="stop")
        self.url = str(self._server.get_uri())

    def stop(self) -> None:
        self._server.cleanup()


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        m = _MIGRATION_NAME.match(path.name)
        if not m:
            raise RuntimeError(f"migration file name not understood: {path.name}")
        found.append(Migration(int(m.group(1)), path.stem, path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001, 0002, … without gaps: {versions}")
    return found


async def migrate(dsn: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending forward-only migrations, each in its own transaction; return their names.

    An applied migration whose file changed afterwards is an error: history is not rewritten.
    """
    conn = await asyncpg.connect(dsn)
    applied_now: list[str] = []
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        done = {
            r["version"]: r["checksum"]
            for r in await conn.fetch("SELECT version, checksum FROM schema_migrations")
        }
        for mig in load_migrations(directory):
            if mig.version in done:
                if done[mig.version] != mig.checksum:
                    raise RuntimeError(f"migration {mig.name} was edited after it was applied")
                continue
            async with conn.transaction():
                await conn.execute(mig.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    mig.version, mig.name, mig.checksum,
                )
            applied_now.append(mig.name)
            log.info("migration applied", extra={"migration": mig.name})
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
        await conn.close()
    return applied_now


async def set_login_password(owner_dsn: str, role: str, password: str) -> None:
    """Give the app's login its password (where the database asks for one). The owner's login
    runs it, right after migrating; the password is sent as a literal, never logged here."""
    conn = await asyncpg.connect(owner_dsn)
    try:
        statement = await conn.fetchval("SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, "
                                        "$2::text)", role, password)
        await conn.execute(statement)
    finally:
        await conn.close()


async def create_pool(app_dsn: str, max_size: int = 10) -> Pool:
    """A pool logged in as the app's own role, which row-level security binds: it is no
    superuser, cannot bypass RLS and has no role to SET ROLE into (migration 0017)."""
    pool = await asyncpg.create_pool(app_dsn, min_size=1, max_size=max_size)
    assert pool is not None
    return pool


@asynccontextmanager
async def tenant_tx(pool: Pool, tenant_id: uuid.UUID) -> AsyncIterator[Connection]:
    """One transaction that sees and writes only ``tenant_id``'s rows.

    This is the one place tenant scoping is set; RLS policies read it via mch_current_tenant().
    """
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
        yield conn


@asynccontextmanager
async def unscoped_tx(pool: Pool, timeout: float | None = None) -> AsyncIterator[Connection]:
    """A transaction with no tenant: RLS shows it nothing but definer functions' answers."""
    async with pool.acquire(timeout=timeout) as conn, conn.transaction():
        yield conn


async def listen(
    app_dsn: str, channel: str, on_notify: Callable[..., Any]
) -> asyncpg.Connection[asyncpg.Record]:
    """A connection of its own (a pooled one would be handed to others) that LISTENs on
    ``channel`` and calls ``on_notify`` for each NOTIFY; the caller closes it."""
    conn: asyncpg.Connection[asyncpg.Record] = await asyncpg.connect(app_dsn)
    await conn.add_listener(channel, on_notify)
    return conn
