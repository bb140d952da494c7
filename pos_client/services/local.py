"""Saving a local change: apply it to this device's store and queue it in the outbox, together."""

from __future__ import annotations

from pos_client.services.till import Till
from pos_client.store.apply import apply_change
from pos_client.store.database import Tx
from pos_client.store.repositories import outbox
from shared.ids import new_uuid7
from shared.sync.envelopes import Change, make_change
from shared.sync.payloads import Wire


def save(tx: Tx, till: Till, entity: str, payload: Wire, op: str | None = None) -> Change:
    """Inside the caller's write transaction: the same code path a pulled change takes, so a
    device's own edits and other devices' edits land in its store exactly alike. Stamped with
    the till's clock (its ``created_at``) and the device's hybrid clock (its ``hlc``)."""
    device, now = till.device, till.now()
    change = make_change(entity, payload, change_id=new_uuid7(), device_seq=outbox.next_seq(tx),
                         hlc=device.clock.now(), created_at=now, op=op)
    apply_change(tx, change, device.device_id)
    outbox.append(tx, change)
    return change
