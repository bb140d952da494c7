"""How an edit of a record merges into the stored record, field by field: the one rule the till
and the server both follow (docs/sync-protocol.md, "Records").

Every field of a record carries the stamp ``(hlc, writer)`` of the edit that last set it, and
``deleted`` is a field like the others. An edit names the fields it sets (``fields`` on the
wire; none named: every field, a whole record as before version 4, and it undeletes); a
delete sets ``deleted`` only. Each named field takes the edit's value when the edit's stamp is
higher than the field's, so a price edit on one till and a cost edit on another both survive,
and the same field edited twice keeps the later edit, whatever order they arrive in. A
tombstone wins over every older edit: an older edit may still set the fields it names, but
never ``deleted``, so the record stays deleted.

Stored stamps are compact: ``None`` while every field carries the record's own stamp (a
record written whole and never edited in part), a map of every field's stamp otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel

Stamp = tuple[int, str]  # (hlc, writer device id as canonical UUID text; the nil UUID: server)
LOWEST: Stamp = (0, "00000000-0000-0000-0000-000000000000")
DELETED = "deleted"

# Off, every edit sets every field: whole-record last writer wins, as before version 4. Only
# for tests that show what the field merge is for (nothing in production switches it).
FIELD_MERGE = True


def record_fields(payload: type[BaseModel]) -> tuple[str, ...]:
    """The fields an edit of a record with this payload can set: the payload's, and
    ``deleted``; never ``id``."""
    return (*(name for name in payload.model_fields if name != "id"), DELETED)


def edit_fields(all_fields: tuple[str, ...], op: str, named: Collection[str] | None
                ) -> frozenset[str]:
    """The fields an edit sets: a delete only ``deleted``; an upsert the ones it names, or
    every field (``deleted`` too: it undeletes) when it names none."""
    if op == "delete":
        return frozenset({DELETED})
    if named is None or not FIELD_MERGE:
        return frozenset(all_fields)
    return frozenset(named)


@dataclass(frozen=True, slots=True)
class Stamps:
    """The stamps of one stored record's fields: ``newest`` is the record's own (its ``hlc``
    and ``hlc_device`` columns), ``fields`` the map when they differ (None: all are newest)."""

    newest: Stamp
    fields: Mapping[str, Stamp] | None = None

    def of(self, field: str) -> Stamp:
        return self.newest if self.fields is None else self.fields.get(field, LOWEST)

    def encoded(self) -> str | None:
        """For the ``field_stamps`` column: JSON, or None when uniform."""
        if self.fields is None:
            return None
        return json.dumps({f: [h, w] for f, (h, w) in sorted(self.fields.items())})

    @classmethod
    def decoded(cls, newest: Stamp, encoded: str | Mapping[str, list[object]] | None) -> Stamps:
        if encoded is None:
            return cls(newest)
        raw = json.loads(encoded) if isinstance(encoded, str) else encoded
        return cls(newest, {f: (int(str(v[0])), str(v[1])) for f, v in raw.items()})


@dataclass(frozen=True, slots=True)
class Merged:
    """What an edit did to a record: the fields whose value it set, and the stamps after it."""

    won: frozenset[str]
    stamps: Stamps


def merge(all_fields: tuple[str, ...], stored: Stamps | None, sets: Iterable[str],
          stamp: Stamp) -> Merged:
    """Merge an edit stamped ``stamp`` that sets ``sets`` into a record whose fields carry
    ``stored`` (None: a record not stored yet, whose unnamed fields take the edit's values
    with the lowest stamp, so any real edit of them wins)."""
    named = frozenset(sets)
    if stored is None:
        fields = {f: stamp if f in named else LOWEST for f in all_fields}
        return Merged(frozenset(all_fields), _compact(fields))
    won = frozenset(f for f in named if stamp > stored.of(f))
    if not won:
        return Merged(won, stored)
    fields = {f: stamp if f in won else stored.of(f) for f in all_fields}
    return Merged(won, _compact(fields))


def fold(all_fields: tuple[str, ...],
         edits: Iterable[tuple[Mapping[str, object], Iterable[str], Stamp]],
         ) -> tuple[dict[str, object], Stamps] | None:
    """A record as the edits that made it leave it, in any order: each edit is its whole
    ``values`` (every field, ``deleted`` too), the fields it sets and its stamp. The same
    merge the stores apply, so it gives what they hold (the server's copy of a record it
    refused an edit of is folded from its feed). None: no edit."""
    values: dict[str, object] | None = None
    stamps: Stamps | None = None
    for edit_values, sets, stamp in edits:
        merged = merge(all_fields, stamps, sets, stamp)
        if values is None:
            values = {f: edit_values[f] for f in all_fields}
        else:
            values.update({f: edit_values[f] for f in merged.won})
        stamps = merged.stamps
    if values is None or stamps is None:
        return None
    return values, stamps


def compact(fields: Mapping[str, Stamp]) -> Stamps:
    """Every field's stamp, kept compactly (None while they are all the newest)."""
    return _compact(fields)


def _compact(fields: Mapping[str, Stamp]) -> Stamps:
    newest = max(fields.values())
    if all(s == newest for s in fields.values()):
        return Stamps(newest)
    return Stamps(newest, dict(fields))


def changed_fields(before: BaseModel | None, after: BaseModel) -> list[str] | None:
    """The fields ``after`` changes from ``before`` (a stored record being edited), for an
    edit that names them; None for a new record (every field). May be empty."""
    if before is None:
        return None
    old, new = before.model_dump(), after.model_dump()
    return [f for f in new if f != "id" and not _same(new[f], old.get(f))]


def _same(a: object, b: object) -> bool:
    """Lists of codes are sets to the stores (barcodes come back in their own order)."""
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return a == b
