"""Saving a local change: apply it to this device's store and queue it in the outbox, together."""

from __future__ import annotations

from pos_client.services.till import Till
from pos_client.store.apply import apply_change
from pos_client.store.database import Tx
from pos_client.store.repositories import outbox, records
from shared.ids import new_uuid7
from shared.sync.envelopes import ENTITIES, Change, make_change
from shared.sync.merge import changed_fields
from shared.sync.payloads import Wire


def save(tx: Tx, till: Till, entity: str, payload: Wire, op: str | None = None,
         *, hlc: int | None = None) -> Change | None:
    """Inside the caller's write transaction: the same code path a pulled change takes, so a
    device's own edits and other devices' edits land in its store exactly alike. Stamped with
    the till's clock (its ``created_at``) and the device's hybrid clock (its ``hlc``). ``hlc``:
    a fact that happened earlier than it is saved (a count typed before Aplicar) keeps the stamp
    of that moment, taken from this till's clock then.

    An edit of a stored record names only the fields it changes (records merge field by field,
    so another till's unsynced edit of another field survives); one that changes nothing is
    not saved (None). A new record, or one brought back from deletion, is saved whole."""
    fields = named_fields(tx, entity, payload, op)
    if fields == []:
        return None
    device, now = till.device, till.now()
    change = make_change(entity, payload, change_id=new_uuid7(), device_seq=outbox.next_seq(tx),
                         hlc=hlc if hlc is not None else device.clock.now(), created_at=now,
                         op=op, fields=fields)
    apply_change(tx, change, device.device_id)
    outbox.append(tx, change)
    return change


def named_fields(tx: Tx, entity: str, payload: Wire, op: str | None) -> list[str] | None:
    """The fields an edit of ``payload`` names: those it changes from the stored record (may
    be none); None (every field) for a fact, a delete, a new record or one deleted here."""
    if ENTITIES[entity].kind != "record" or op == "delete":
        return None
    before = records.stored(tx, entity, payload.id)  # type: ignore[attr-defined]
    if before is None or before.deleted:
        return None
    return changed_fields(before.payload, payload)
