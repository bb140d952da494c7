"""Server backups: ``pg_dump`` to a dated file, kept for a while; restore with the old data set aside.

A backup is ``michangarrito-YYYYMMDD-HHMMSSZ.dump`` (pg_dump's custom format, UTC stamp). It
gets that name only after pg_dump finished and ``pg_restore --list`` read it back, so a file
with a backup's name is a whole one; an interrupted dump stays a hidden ``.part`` file.

A restore never deletes anything: the current ``public`` schema is renamed aside
(``before_restore_<stamp>``) and the backup is loaded into a new one in one transaction. Then
the feed epoch changes, and every till pushes again what the server lost and pulls from the
start (docs/sync-protocol.md). The server must be stopped: a restore refuses while anything
else is connected to the database.
"""

from __future__ import annotations

import asyncio
import glob
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from shared.errors import DomainError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^michangarrito-(\d{8}-\d{6})Z\.dump$")
_STAMP = "%Y%m%d-%H%M%S"
ASIDE_PREFIX = "before_restore_"


DEFINER_ROLE = "michangarrito_definer"
# The roles of migration 0017, for a database server that has none of them yet (the app's login
# gets its password when the server starts with MCH_APP_DB_PASSWORD).
_ROLES = """DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app}') THEN
        CREATE ROLE {app} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT
            NOREPLICATION;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{definer}') THEN
        CREATE ROLE {definer} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    END IF;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT {definer} TO %I', current_user);
    END IF;
END $$"""
_DEFINERS_BACK = """DO $$
DECLARE f regprocedure;
BEGIN
    GRANT CREATE ON SCHEMA public TO {definer};
    FOR f IN SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.prosecdef LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO {definer}', f);
    END LOOP;
    REVOKE CREATE ON SCHEMA public FROM {definer};
END $$"""


class BackupError(DomainError):
    code = "backup_failed"


@dataclass(frozen=True, slots=True)
class ServerBackup:
    path: Path
    taken_at: datetime
    size: int


def pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore`` of the newest PostgreSQL found: on PATH, Debian's
    ``/usr/lib/postgresql/N/bin``, or the copy inside pgserver (the embedded server's own).
    The newest, because pg_dump refuses a server newer than itself."""
    candidates = [shutil.which(name), *sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))]
    try:
        import pgserver  # optional: the 'embedded' extra

        candidates.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name))
    except ImportError:
        pass
    found = {path: _major(path) for path in candidates if path and os.access(path, os.X_OK)}
    if not found:
        raise BackupError(f"No se encontró {name}: instala el cliente de PostgreSQL 16 "
                          "(postgresql-client-16).")
    return max(found, key=lambda path: found[path])


def _major(path: str) -> int:
    """16 for "pg_dump (PostgreSQL) 16.2"; 0 if it cannot say."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0
    m = re.search(r"\) (\d+)", out)
    return int(m.group(1)) if m else 0


def _libpq(dsn: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and an environment carrying it: a password on a command
    line is readable by every user of the machine (ps)."""
    parts = urlsplit(dsn)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        if parts.port:
            netloc += f":{parts.port}"
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts), env


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tool = Path(args[0]).name
        raise BackupError(f"{tool} falló (código {done.returncode}): {done.stderr.strip()[-800:]}")


def list_backups(directory: Path) -> list[ServerBackup]:
    """Complete backups in ``directory``, newest first."""
    found = []
    for path in directory.glob("michangarrito-*.dump") if directory.is_dir() else ():
        if m := _NAME.match(path.name):
            taken = datetime.strptime(m.group(1), _STAMP).replace(tzinfo=UTC)
            found.append(ServerBackup(path, taken, path.stat().st_size))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def take_backup(dsn: str, directory: Path, now: datetime, keep_days: int = 14,
                keep_min: int = 3) -> ServerBackup:
    """Dump the database, check the file reads back, name it, then prune old backups."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"michangarrito-{now.astimezone(UTC).strftime(_STAMP)}Z.dump"
    final, part = directory / name, directory / f".{name}.part"
    url, env = _libpq(dsn)
    try:
        _run([pg_tool("pg_dump"), "--format=custom", "--no-password", f"--file={part}",
              f"--dbname={url}"], env)
        _run([pg_tool("pg_restore"), "--list", str(part)], env)  # reads the whole table of contents
        os.chmod(part, 0o600)  # every shop's data: readable by the server's user only
        with open(part, "rb") as f:
            os.fsync(f.fileno())
        os.replace(part, final)
        _fsync_dir(directory)
    finally:
        part.unlink(missing_ok=True)
    pruned = prune(directory, now, keep_days, keep_min)
    log.info("server backup taken", extra={"backup": name, "bytes": final.stat().st_size,
                                           "pruned": [p.name for p in pruned]})
    return ServerBackup(final, now, final.stat().st_size)


def prune(directory: Path, now: datetime, keep_days: int, keep_min: int) -> list[Path]:
    """Delete backups older than ``keep_days``, always keeping the newest ``keep_min``."""
    cutoff = now - timedelta(days=keep_days)
    doomed = [b.path for b in list_backups(directory)[keep_min:] if b.taken_at < cutoff]
    for path in doomed:
        path.unlink()
    return doomed


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def restore(dsn: str, backup: Path, app_role: str, now: datetime) -> str:
    """Load ``backup`` in place of the database's current data; returns the schema the old
    data was moved to."""
    if not _NAME.match(backup.name) or not backup.is_file():
        raise BackupError(f"{backup} no es un respaldo del servidor (michangarrito-…Z.dump).")
    url, env = _libpq(dsn)
    _run([pg_tool("pg_restore"), "--list", str(backup)], env)
    aside = ASIDE_PREFIX + now.astimezone(UTC).strftime("%Y%m%d_%H%M%S")
    asyncio.run(_set_aside(dsn, aside, app_role))
    try:
        _run([pg_tool("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner",
              "--no-password", f"--dbname={url}", str(backup)], env)
    except BackupError:
        asyncio.run(_put_back(dsn, aside))
        raise
    asyncio.run(_new_epoch(dsn, backup.name))
    log.warning("server restored from a backup", extra={"backup": backup.name, "aside": aside})
    return aside


async def _other_connections(conn: asyncpg.Connection, grace_s: float = 5.0) -> int:
    """Connections to this database besides ours, once a server that was just stopped has had
    a moment to let go of its own (a closed connection's backend leaves shortly after)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace_s
    while True:
        others: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        if not others or loop.time() >= deadline:
            return others
        await asyncio.sleep(0.1)


async def _set_aside(dsn: str, aside: str, app_role: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        others = await _other_connections(conn)
        if others:
            raise BackupError(f"Hay {others} conexiones abiertas a la base de datos: detén el "
                              "servidor (y todas sus réplicas) antes de restaurar.")
        async with conn.transaction():
            # Roles live outside any dump, and the backup's grants and policies name them: on a
            # new database server they are made here as migration 0017 makes them.
            await conn.execute(_ROLES.format(app=_ident(app_role), definer=DEFINER_ROLE))
            await conn.execute(f"ALTER SCHEMA public RENAME TO {_ident(aside)}")
            await conn.execute("CREATE SCHEMA public")
    finally:
        await conn.close()


async def _put_back(dsn: str, aside: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("DROP SCHEMA public CASCADE")
            await conn.execute(f"ALTER SCHEMA {_ident(aside)} RENAME TO public")
    finally:
        await conn.close()


async def _new_epoch(dsn: str, backup_name: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            # pg_restore --no-owner made the restoring login own what it loaded, the functions
            # that look across shops included: they go back to the role that may only read what
            # they answer (docs/security.md), lent CREATE on the schema for the hand-over.
            await conn.execute(_DEFINERS_BACK.format(definer=DEFINER_ROLE))
            # A backup from before migration 0016 has no server_state: the server's next start
            # creates it with a fresh epoch, which is just as new to every till.
            if await conn.fetchval("SELECT to_regclass('public.server_state') IS NOT NULL"):
                await conn.execute("UPDATE server_state SET feed_epoch = gen_random_uuid(), "
                                   "restored_at = now(), restored_from = $1", backup_name)
    finally:
        await conn.close()


def _ident(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise BackupError(f"Nombre no válido: {name!r}")
    return name
