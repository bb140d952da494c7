"""Many rows in one statement: ``INSERT … SELECT * FROM unnest($1::type[], …)``.

One round trip and one plan for a whole batch; several times faster than executemany.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sync_server.repositories import Connection


async def insert_many(
    conn: Connection, table: str, columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]], on_conflict: str = "",
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order); ``columns`` are (name, PostgreSQL type)."""
    if not rows:
        return
    names = ", ".join(name for name, _ in columns)
    arrays = ", ".join(f"${i}::{pgtype}[]" for i, (_, pgtype) in enumerate(columns, start=1))
    await conn.execute(
        f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {on_conflict}",
        *(list(column) for column in zip(*rows, strict=True)),
    )


async def upsert_newest(
    conn: Connection, table: str, key: str, columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Last-writer-wins upsert of records. ``columns`` start with tenant_id and ``key`` and end
    with hlc and hlc_device; a stored row is replaced only by a higher (hlc, hlc_device)."""
    newest: dict[Any, Sequence[Any]] = {}
    for row in rows:  # one row per key: a statement may not update the same row twice
        k = row[1]
        if k not in newest or (row[-2], row[-1]) > (newest[k][-2], newest[k][-1]):
            newest[k] = row
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name, _ in columns[2:])
    await insert_many(
        conn, f"{table} AS t", columns, list(newest.values()),
        f"ON CONFLICT (tenant_id, {key}) DO UPDATE SET {updates} "
        "WHERE (t.hlc, t.hlc_device) < (EXCLUDED.hlc, EXCLUDED.hlc_device)",
    )
