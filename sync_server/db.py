"""PostgreSQL: the embedded server for first runs, migrations, the pool and tenant-scoped transactions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
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
# Migrations edited after release, with the checksums of the texts they replaced. Each edit only
# lets the migration run where the old text could not (an owner login that is no superuser) and
# does the same where it did, so a database that applied the old text is up to date.
_EARLIER_CHECKSUMS: dict[int, frozenset[str]] = {
    17: frozenset({"974c294be7b442d6cc5831cd5eb4d069e782dc24cd649b636555ba52f57ae923"}),
    19: frozenset({"0f06ef365100d23612eea3af33b2d525f9282e923c2c45b718a1722eb81bb4b4"}),
}


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
                if done[mig.version] not in {mig.checksum,
                                             *_EARLIER_CHECKSUMS.get(mig.version, ())}:
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
    runs it, right after migrating. PostgreSQL gets a SCRAM verifier made here, never the
    password: what it is sent may be logged (log_statement = ddl) or kept in pg_stat_statements."""
    conn = await asyncpg.connect(owner_dsn)
    try:
        await conn.execute(password_statement(role, password))
    finally:
        await conn.close()


def password_statement(role: str, password: str) -> str:
    quoted = '"' + role.replace('"', '""') + '"'
    return f"ALTER ROLE {quoted} PASSWORD '{scram_verifier(password)}'"


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = 4096) -> str:
    """What PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802, 7677), as libpq's
    PQencryptPasswordConn makes it. ASCII only: PostgreSQL would SASLprep anything else first."""
    if not (password.isascii() and password.isprintable()):
        raise ValueError("MCH_APP_DB_PASSWORD: use ASCII letters, digits and punctuation "
                         "(openssl rand -base64 32)")
    salt = salt if salt is not None else secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored_key = hashlib.sha256(hmac.new(salted, b"Client Key", hashlib.sha256).digest()).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = [base64.b64encode(b).decode() for b in (salt, stored_key, server_key)]
    return f"SCRAM-SHA-256${iterations}:{b64[0]}${b64[1]}:{b64[2]}"


async def create_pool(app_dsn: str, max_size: int = 10) -> Pool:
    """A pool logged in as the app's own role, which row-level security binds: it is no
    superuser, cannot bypass RLS and has no role to SET ROLE into (migration 0017)."""
    pool = await asyncpg.create_pool(app_dsn, min_size=1, max_size=max_size, reset=_released)
    assert pool is not None
    return pool


async def _released(_conn: Connection) -> None:
    """What a connection back in the pool must undo: nothing beyond what asyncpg always does (an
    open transaction rolled back, listeners dropped). Pool connections hold no session state:
    the tenant scope is transaction-local (set_config … true), advisory locks are xact locks,
    LISTEN and the migrations' session lock use connections of their own. asyncpg's default
    (RESET ALL, UNLISTEN *, CLOSE ALL, pg_advisory_unlock_all) cost a round trip on every
    release: measured as 8% of the server's time under the webhook load (README)."""


@asynccontextmanager
async def tenant_tx(pool: Pool, tenant_id: uuid.UUID) -> AsyncIterator[Connection]:
    """One transaction that sees and writes only ``tenant_id``'s rows.

    This is the one place tenant scoping is set; RLS policies read it via mch_current_tenant().
    """
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
        yield conn


@asynccontextmanager
async def unscoped(pool: Pool) -> AsyncIterator[Connection]:
    """A connection with no tenant and no transaction: each statement commits by itself (one
    round trip where BEGIN … COMMIT would take three)."""
    async with pool.acquire() as conn:
        yield conn


@asynccontextmanager
async def unscoped_tx(pool: Pool, timeout: float | None = None) -> AsyncIterator[Connection]:
    """A transaction with no tenant: RLS shows it nothing but definer functions' answers."""
    async with pool.acquire(timeout=timeout) as conn, conn.transaction():
        yield conn


# Errors that say the database cannot serve right now, whatever was asked: it refuses or drops
# connections (restarting, failing over, out of connections), it is out of disk or memory, or
# the pool had no connection to give in time. Class 08 is connection exceptions, 53 insufficient
# resources, 57 operator intervention (shutdowns, "starting up"; query_canceled is 57014).
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
    asyncpg.InsufficientResourcesError, asyncpg.OperatorInterventionError,
)


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database is out of reach, not that a request was wrong."""
    return isinstance(exc, _UNAVAILABLE)


async def listen(
    app_dsn: str, channel: str, on_notify: Callable[..., Any]
) -> asyncpg.Connection[asyncpg.Record]:
    """A connection of its own (a pooled one would be handed to others) that LISTENs on
    ``channel`` and calls ``on_notify`` for each NOTIFY; the caller closes it."""
    conn: asyncpg.Connection[asyncpg.Record] = await asyncpg.connect(app_dsn)
    await conn.add_listener(channel, on_notify)
    return conn
