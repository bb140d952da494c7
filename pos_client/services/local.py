"""Saving a local change: apply it to this device's store and queue it in the outbox, together."""

from __future__ import annotations

from pos_client.services.till import Till
from pos_client.store.apply import apply_change
from pos_client.store.database import Tx
from pos_client.store.device import Device
from pos_client.store.repositories import outbox
from shared.clock import utc_now
from shared.ids import new_uuid7
from shared.sync.envelopes import Change, make_change
from shared.sync.payloads import Wire


def save(tx: Tx, till: Till | Device, entity: str, payload: Wire, op: str | None = None) -> Change:
    """Inside the caller's write transaction: the same code path a pulled change takes, so a
    device's own edits and other devices' edits land in its store exactly alike.

    A bare ``Device`` (no clock handed in) is accepted while the other use cases move to
    ``Till``; the change is then stamped with the real clock.
    """
    device, now = (till.device, till.now()) if isinstance(till, Till) else (till, utc_now())
    change = make_change(entity, payload, change_id=new_uuid7(), device_seq=outbox.next_seq(tx),
                         hlc=device.clock.now(), created_at=now, op=op)
    apply_change(tx, change, device.device_id)
    outbox.append(tx, change)
    return change
