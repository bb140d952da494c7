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
