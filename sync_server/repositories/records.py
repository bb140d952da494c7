"""Record edits merged field by field (shared/sync/merge.py), a batch at a time: each field keeps
the value of the edit with the highest ``(hlc, writer)`` that set it, the rule the tills follow."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.ids import SERVER_WRITER
from shared.sync.envelopes import Change
from shared.sync.merge import Stamps, edit_fields, merge
from sync_server.repositories import Connection

# (name, PostgreSQL type of the values sent; the column's own unless ``expressions`` say how to
# turn the value into it, e.g. barcodes sent as one text and stored as text[])
Column = tuple[str, str]
_STAMP_COLUMNS: list[Column] = [("hlc", "bigint"), ("hlc_device", "uuid"),
                                ("field_stamps", "jsonb")]


@dataclass(frozen=True, slots=True)
class RecordEdit:
    """One change to a record: its key, a value for every column, the fields it sets, and its
    stamp (hlc, writer as text)."""

    key: uuid.UUID
    values: Mapping[str, Any]
    sets: frozenset[str]
    stamp: tuple[int, str]


def edit_of(change: Change, origin: uuid.UUID | None, fields: tuple[str, ...],
            values: Mapping[str, Any]) -> RecordEdit:
    """``change`` (from ``origin``; None: the server) as an edit of its record."""
    deleted = change.op == "delete"
    return RecordEdit(change.payload.id, {**values, "deleted": deleted},
                      edit_fields(fields, change.op, getattr(change, "fields", None)),
                      (change.hlc, str(origin or SERVER_WRITER)))


async def upsert_merged(
    conn: Connection, tenant_id: uuid.UUID, table: str, key: str, columns: Sequence[Column],
    fields: tuple[str, ...], edits: Sequence[RecordEdit],
    holding: Mapping[str, tuple[str, ...]] | None = None,
    expressions: Mapping[str, str] | None = None,
) -> dict[uuid.UUID, frozenset[str]]:
    """Merge ``edits`` into ``table`` (keyed by ``tenant_id``, ``key``); record key → the fields
    whose values changed. ``columns`` are the value columns (``deleted`` among them when the
    table keeps it); ``holding`` maps a field to its columns when they are not named like it;
    ``expressions`` turn a sent value ``v.<column>`` into the stored one.

    Stamps are read, merged here and written back: safe because every writer of a shop's
    records holds its feed head (``tenants.lock_feed_head``, taken first by sync.apply)."""
    if not edits:
        return {}
    names = {name for name, _ in columns}

    def held(field: str) -> tuple[str, ...]:
        return tuple(c for c in (holding or {}).get(field, (field,)) if c in names)

    rows = await conn.fetch(
        f"SELECT {key} AS key, hlc, hlc_device, field_stamps::text AS stamps FROM {table} "
        f"WHERE tenant_id = $1 AND {key} = ANY($2::uuid[])",
        tenant_id, list({e.key for e in edits}))
    state: dict[uuid.UUID, Stamps | None] = {
        r["key"]: Stamps.decoded((r["hlc"], str(r["hlc_device"])), r["stamps"]) for r in rows}
    stored = set(state)
    values: dict[uuid.UUID, dict[str, Any]] = {}
    won: dict[uuid.UUID, set[str]] = defaultdict(set)
    for e in edits:
        merged = merge(fields, state.get(e.key), e.sets, e.stamp)
        if e.key not in stored and e.key not in values:
            values[e.key] = {c: e.values[c] for c in names}
        elif merged.won:
            values.setdefault(e.key, {}).update(
                {c: e.values[c] for f in merged.won for c in held(f)})
        won[e.key] |= merged.won
        state[e.key] = merged.stamps
    changed = {k: frozenset(v) for k, v in won.items() if v}
    written = _Writer(conn, tenant_id, table, key, expressions or {})
    new = [k for k in changed if k not in stored]
    if new:
        await written.insert(columns, [(k, *(values[k][c] for c, _ in columns), *_stamps(state[k]))
                                       for k in new])
    groups: dict[tuple[str, ...], list[uuid.UUID]] = defaultdict(list)
    for k in changed:
        if k in stored:
            groups[tuple(sorted(values[k]))].append(k)
    types = dict(columns)
    for cols_changed, keys in groups.items():
        await written.update([(c, types[c]) for c in cols_changed],
                             [(k, *(values[k][c] for c in cols_changed), *_stamps(state[k]))
                              for k in keys])
    return changed


def _stamps(stamps: Stamps | None) -> tuple[int, uuid.UUID, str | None]:
    assert stamps is not None
    return stamps.newest[0], uuid.UUID(stamps.newest[1]), stamps.encoded()


@dataclass(frozen=True)
class _Writer:
    """Writes merged records: ``unnest`` of one array per column, one statement each."""

    conn: Connection
    tenant_id: uuid.UUID
    table: str
    key: str
    expressions: Mapping[str, str]

    def _source(self, columns: Sequence[Column]) -> tuple[list[str], str, list[str]]:
        """Column names, the ``unnest`` they come from, and each one's stored expression."""
        cols = [(self.key, "uuid"), *columns, *_STAMP_COLUMNS]
        arrays = ", ".join(f"${i}::{t}[]" for i, (_, t) in enumerate(cols, start=2))
        names = [name for name, _ in cols]
        exprs = [self.expressions.get(n, "{v}").format(v=f"v.{n}") for n in names]
        return names, f"unnest({arrays}) AS v({', '.join(names)})", exprs

    async def insert(self, columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> None:
        names, source, exprs = self._source(columns)
        await self.conn.execute(
            f"INSERT INTO {self.table} (tenant_id, {', '.join(names)}) "
            f"SELECT $1, {', '.join(exprs)} FROM {source}",
            self.tenant_id, *(list(column) for column in zip(*rows, strict=True)))

    async def update(self, columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> None:
        """Records whose same columns changed (a price edit sets the price only)."""
        names, source, exprs = self._source(columns)
        sets = ", ".join(f"{n} = {e}" for n, e in zip(names[1:], exprs[1:], strict=True))
        await self.conn.execute(
            f"UPDATE {self.table} AS t SET {sets} FROM {source} "
            f"WHERE t.tenant_id = $1 AND t.{self.key} = v.{self.key}",
            self.tenant_id, *(list(column) for column in zip(*rows, strict=True)))
