"""Key-value settings of this device: identity, credential, cursor, folio counter."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.dialects.sqlite import insert

from pos_client.store.schema import meta


def get(conn: Connection, key: str) -> str | None:
    value: str | None = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
    return value


def get_int(conn: Connection, key: str, default: int = 0) -> int:
    value = get(conn, key)
    return int(value) if value is not None else default


def put(conn: Connection, key: str, value: str | int) -> None:
    stmt = insert(meta).values(key=key, value=str(value))
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}))


def put_many(conn: Connection, values: dict[str, str | int]) -> None:
    for key, value in values.items():
        put(conn, key, value)


def delete(conn: Connection, key: str) -> None:
    conn.execute(meta.delete().where(meta.c.key == key))
