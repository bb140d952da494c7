"""Change builders that produce exactly what a real client sends."""

from __future__ import annotations

import uuid

from shared.clock import utc_now
from shared.hlc import HybridClock
from shared.ids import new_uuid7
from shared.sync.envelopes import InventoryMovementChange
from shared.sync.payloads import InventoryMovementPayload


def movement(device_seq: int, product_id: uuid.UUID, qty_milli: int, clock: HybridClock,
             reason: str = "receipt") -> InventoryMovementChange:
    now = utc_now()
    return InventoryMovementChange(
        change_id=new_uuid7(), device_seq=device_seq, hlc=clock.now(), created_at=now,
        entity="inventory_movement",
        payload=InventoryMovementPayload(id=new_uuid7(), product_id=product_id,
                                         qty_milli=qty_milli, reason=reason, moved_at=now),
    )
