"""Storing record edits field by field (shared/sync/merge.py): each field keeps the value of the
edit with the highest ``(hlc, writer)`` that set it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, select, update
from sqlalchemy.dialects.sqlite import insert

from shared.sync.merge import Stamps, edit_fields, merge


@dataclass(frozen=True, slots=True)
class Edit:
    """A record edit as the store receives it: the payload (whole), its stamp and writer, a
    tombstone or not, and the fields it names (None: every field)."""

    payload: Any
    hlc: int
    writer: str
    deleted: bool = False
    fields: Sequence[str] | None = None

    def sets(self, all_fields: tuple[str, ...]) -> frozenset[str]:
        return edit_fields(all_fields, "delete" if self.deleted else "upsert", self.fields)

    def row(self, all_fields: tuple[str, ...], values: Mapping[str, Any]) -> Row:
        """The row upsert_many takes: the record's column ``values`` and this edit's stamp."""
        return {"id": str(self.payload.id), **values, "deleted": int(self.deleted),
                "hlc": self.hlc, "hlc_device": self.writer, "_sets": self.sets(all_fields)}


# A row of an edit: ``id``, ``hlc``, ``hlc_device``, ``_sets`` (the fields the edit sets) and a
# value for every field; keys that are not the table's columns (``_barcodes``, a ``deleted``
# the table does not keep) ride along for the caller and are never stored.
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Written:
    """A record this batch changed: the fields whose values it set, and those values (the
    caller's ``_`` keys included)."""

    id: str
    won: frozenset[str]
    values: Mapping[str, Any]


def upsert_many(
    conn: Connection, table: Table, rows: Sequence[Row], fields: tuple[str, ...],
    columns: Mapping[str, tuple[str, ...]] | None = None,
) -> list[Written]:
    """Merge these edits into the stored records and return what changed.

    ``fields`` are the record's fields (shared.sync.merge.record_fields); ``columns`` maps a
    field to the columns (or ``_`` keys) holding it, when they are not named like it. Every
    replica merges alike, so they settle on the same values whatever order edits arrive in.
    """
    if not rows:
        return []
    columns = columns or {}

    def holding(field: str) -> tuple[str, ...]:
        return columns.get(field, (field,))

    ids = list(dict.fromkeys(r["id"] for r in rows))
    state: dict[str, Stamps | None] = {
        r.id: Stamps.decoded((r.hlc, r.hlc_device), r.field_stamps)
        for r in conn.execute(select(table.c.id, table.c.hlc, table.c.hlc_device,
                                     table.c.field_stamps).where(table.c.id.in_(ids)))
    }
    stored = set(state)
    values: dict[str, dict[str, Any]] = {}
    won: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        key = row["id"]
        merged = merge(fields, state.get(key), row["_sets"], (row["hlc"], row["hlc_device"]))
        if key not in values and key not in stored:
            values[key] = {c: v for c, v in row.items() if c not in ("_sets", "hlc", "hlc_device")}
        elif merged.won:
            held = values.setdefault(key, {"id": key})
            held.update({c: row[c] for f in merged.won for c in holding(f)})
        won[key] |= merged.won
        state[key] = merged.stamps
    written = [Written(k, frozenset(won[k]), values[k]) for k in values if won[k]]
    _insert(conn, table, [w for w in written if w.id not in stored], state)
    _update(conn, table, [w for w in written if w.id in stored], state)
    return written


def _stamped(table: Table, w: Written, state: Mapping[str, Stamps | None]) -> dict[str, Any]:
    stamps = state[w.id]
    assert stamps is not None
    stored = {c: v for c, v in w.values.items() if c in table.c}
    return {**stored, "hlc": stamps.newest[0], "hlc_device": stamps.newest[1],
            "field_stamps": stamps.encoded()}


def _insert(conn: Connection, table: Table, new: Sequence[Written],
            state: Mapping[str, Stamps | None]) -> None:
    if new:
        conn.execute(insert(table), [_stamped(table, w, state) for w in new])


def _update(conn: Connection, table: Table, changed: Sequence[Written],
            state: Mapping[str, Stamps | None]) -> None:
    """One statement per set of columns changed (a price edit updates the price only)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for w in changed:
        row = _stamped(table, w, state)
        groups[tuple(sorted(c for c in row if c != "id"))].append(row)
    for cols, rows in groups.items():
        stmt = (update(table).where(table.c.id == bindparam("_id"))
                .values({c: bindparam(f"_{c}") for c in cols}))
        conn.execute(stmt, [{f"_{c}": v for c, v in r.items()} | {"_id": r["id"]} for r in rows])


def high_water(conn: Connection, tables: Sequence[Table]) -> int:
    """The highest hlc stored in any of these record tables: a restarted clock resumes past it."""
    return max((conn.execute(select(func.max(t.c.hlc))).scalar() or 0) for t in tables)
