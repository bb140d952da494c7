"""Key-value settings of this device: identity, credential, cursor, folio counter."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select, text

from pos_client.store.database import driver
from pos_client.store.schema import meta

# Built once: these run in every sale's transaction, and building a statement per call cost
# more than executing it.
_GET = select(meta.c.value).where(meta.c.key == bindparam("k"))
_PUT = text("INSERT INTO meta (key, value) VALUES (:k, :v) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value")


def get(conn: Connection, key: str) -> str | None:
    value: str | None = conn.execute(_GET, {"k": key}).scalar()
    return value


def get_int(conn: Connection, key: str, default: int = 0) -> int:
    value = get(conn, key)
    return int(value) if value is not None else default


def put(conn: Connection, key: str, value: str | int) -> None:
    conn.execute(_PUT, {"k": key, "v": str(value)})


def put_many(conn: Connection, values: dict[str, str | int]) -> None:
    for key, value in values.items():
        put(conn, key, value)


def delete(conn: Connection, key: str) -> None:
    conn.execute(meta.delete().where(meta.c.key == key))


_NEXT = ("INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) "
         "DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING value")


def next_number(conn: Connection, key: str) -> int:
    """Add one to a counter and return it, in one statement (folios: every sale runs this)."""
    return int(driver(conn).execute(_NEXT, (key,)).fetchone()[0])
