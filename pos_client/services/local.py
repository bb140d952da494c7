"""Saving a local change: apply it to this device's store and queue it in the outbox, together."""

from __future__ import annotations

from sqlalchemy import Connection

from pos_client.store.apply import apply_change
from pos_client.store.device import Device
from pos_client.store.repositories import outbox
from shared.clock import utc_now
from shared.ids import new_uuid7
from shared.sync.envelopes import Change, make_change
from shared.sync.payloads import Wire


def save(conn: Connection, device: Device, entity: str, payload: Wire, op: str | None = None,
         *, hlc: int | None = None) -> Change:
    """Inside the caller's write transaction: the same code path a pulled change takes, so a
    device's own edits and other devices' edits land in its store exactly alike. ``hlc``: a
    fact that happened earlier than it is saved (a count typed before Aplicar) keeps the stamp
    of that moment, taken from this till's clock then."""
    change = make_change(entity, payload, change_id=new_uuid7(), device_seq=outbox.next_seq(conn),
                         hlc=hlc if hlc is not None else device.clock.now(), created_at=utc_now(),
                         op=op)
    apply_change(conn, change, device.device_id)
    outbox.append(conn, change)
    return change
