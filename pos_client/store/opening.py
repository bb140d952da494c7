"""Opening the store's file at start: the database, or the damage found trying.

Only damage counts (SQLite's CORRUPT and NOTADB): a locked or unreadable file is raised as it
is, never taken for a damaged one, because a damaged store gets moved aside.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy.exc

from pos_client.store.backup import Health, check_database
from pos_client.store.database import Database

_DAMAGE_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def damage_detail(exc: BaseException) -> str | None:
    """The SQLite message when opening failed because the file is damaged; None otherwise
    (a locked or unreadable file is not damage, and must not be moved aside)."""
    orig = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(orig, sqlite3.DatabaseError) and code is not None and code & 0xFF in _DAMAGE_CODES:
        return str(orig)
    return None


def open_checked(path: Path) -> Database | Health:
    """The store at ``path``, or the damage found in it (checked first, and again if opening
    it fails). A store from a newer version raises ``StoreError``; any other failure is raised."""
    health = check_database(path)
    if health.damaged:
        return health
    try:
        return Database(path)
    except (sqlite3.DatabaseError, sqlalchemy.exc.DBAPIError) as exc:
        detail = damage_detail(exc)
        if detail is None:
            raise
        return Health("corrupt", detail)
