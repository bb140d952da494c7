"""Last-writer-wins upsert for records: the higher (hlc, writer device) keeps its values."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects.sqlite import insert


def upsert(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """Insert or update a record row by ``id``; False if a newer edit is already stored.

    ``values`` must include ``hlc`` and ``hlc_device``. Ties on hlc go to the higher device id,
    the same rule the server applies, so every replica settles on the same winner.
    """
    stmt = insert(table).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={k: stmt.excluded[k] for k in values if k != "id"},
        where=(
            (table.c.hlc < stmt.excluded.hlc)
            | ((table.c.hlc == stmt.excluded.hlc) & (table.c.hlc_device < stmt.excluded.hlc_device))
        ),
    )
    return bool(conn.execute(stmt).rowcount)
