"""The SQLite connection: WAL, synchronous=FULL, foreign keys, schema upgrades, write transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias

from sqlalchemy import Connection, Engine, create_engine, event, text

from pos_client.store.migrations import MIGRATIONS

# An open transaction as the services see it: they hand it to repositories and never build SQL
# on it (services do not import sqlalchemy; tests/test_layers.py keeps that).
Tx: TypeAlias = Connection


class StoreError(Exception):
    """The local database cannot be used; ``message`` is Spanish for the cashier."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message, self.code = message, code


class Database:
    """One SQLite file. Writes go through :meth:`write` (``BEGIN IMMEDIATE`` … ``COMMIT``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(f"sqlite:///{path}")
        event.listen(self.engine, "connect", _on_connect)
        event.listen(self.engine, "begin", _on_begin)
        self._upgrade()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: everything inside commits together or not at all."""
        with self.engine.connect() as conn:
            conn.execution_options(mch_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def schema_version(self) -> int:
        with self.read() as conn:
            version: int = conn.exec_driver_sql("PRAGMA user_version").scalar_one()
            return version

    def close(self) -> None:
        self.engine.dispose()

    def _upgrade(self) -> None:
        current = self.schema_version()
        if current > len(MIGRATIONS):
            raise StoreError(
                "La base de datos es de una versión más nueva de MiChangarrito. "
                "Actualiza la aplicación.", "store_too_new",
            )
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            raw = self.engine.raw_connection()
            try:
                # executescript would commit on its own; run the statements in one transaction
                # so an interrupted upgrade leaves the previous version intact.
                cur = raw.cursor()
                cur.execute("BEGIN IMMEDIATE")
                for statement in _split(script):
                    cur.execute(statement)
                cur.execute(f"PRAGMA user_version = {version}")
                cur.execute("COMMIT")
            except BaseException:
                raw.rollback()
                raise
            finally:
                raw.close()


def _split(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # autocommit at the driver; we issue BEGIN ourselves
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA busy_timeout = 5000")
    cur.close()


def _on_begin(conn: Connection) -> None:
    # pysqlite's own transaction handling is off (see _on_connect), so we begin ourselves.
    # Writers take the write lock up front so two writers never deadlock upgrading a read
    # lock; readers begin deferred and never block behind the writer (WAL).
    write = conn.get_execution_options().get("mch_write", False)
    driver(conn).execute("BEGIN IMMEDIATE" if write else "BEGIN")


def pragma(conn: Connection, name: str) -> Any:
    return conn.execute(text(f"PRAGMA {name}")).scalar_one()


def driver(conn: Connection) -> sqlite3.Cursor:
    """A sqlite3 cursor inside ``conn``'s transaction, for the few statements every sale runs:
    SQLAlchemy's own per-statement work there cost more than SQLite's."""
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw.cursor()
