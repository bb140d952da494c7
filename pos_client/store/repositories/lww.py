"""Last-writer-wins upsert for records: the higher (hlc, writer device) keeps its values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects.sqlite import insert


def _stamp(row: dict[str, Any]) -> tuple[int, str]:
    return row["hlc"], row["hlc_device"]


def upsert_many(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Store the edits that are newer than what is stored; return the rows that were written.

    Each row has ``id``, ``hlc`` and ``hlc_device``; keys starting with ``_`` ride along for
    the caller and are not stored. Ties on hlc go to the higher device id,
    the same rule the server applies, so every replica settles on the same winner whatever
    order the edits arrive in.
    """
    newest: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["id"] not in newest or _stamp(row) > _stamp(newest[row["id"]]):
            newest[row["id"]] = row
    if not newest:
        return []
    stored = {
        r.id: (r.hlc, r.hlc_device)
        for r in conn.execute(select(table.c.id, table.c.hlc, table.c.hlc_device)
                              .where(table.c.id.in_(list(newest))))
    }
    winners = [row for key, row in newest.items() if key not in stored or _stamp(row) > stored[key]]
    if winners:
        columns = [c for c in winners[0] if not c.startswith("_")]
        stmt = insert(table)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["id"], set_={c: stmt.excluded[c] for c in columns if c != "id"}
            ),
            [{c: row[c] for c in columns} for row in winners],
        )
    return winners


def high_water(conn: Connection, tables: Sequence[Table]) -> int:
    """The highest hlc stored in any of these record tables: a restarted clock resumes past it."""
    return max((conn.execute(select(func.max(t.c.hlc))).scalar() or 0) for t in tables)
