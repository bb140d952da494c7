"""This device's identity as the store keeps it: its id, folio code, clock, shop and credential."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pos_client.store import schema
from pos_client.store.database import Database
from pos_client.store.repositories import lww, meta, outbox
from shared.hlc import HybridClock
from shared.ids import new_uuid7


def standalone_code(device_id: uuid.UUID) -> str:
    """Folio prefix of a till never paired: "T" and 6 random hex digits of its id, so two
    standalone tills that later join one shop don't both have a T-000001."""
    return "T" + device_id.hex[-6:].upper()


@dataclass
class Device:
    device_id: uuid.UUID
    code: str
    clock: HybridClock
    shop_name: str
    server_url: str | None = None
    credential: str | None = None

    @property
    def paired(self) -> bool:
        return self.credential is not None and self.server_url is not None


def load_device(db: Database) -> Device:
    """Read (or, on a new store, create) this device's identity."""
    with db.write() as conn:
        device_id = meta.get(conn, "device_id")
        if device_id is None:
            new_id = new_uuid7()
            device_id = str(new_id)
            meta.put_many(conn, {"device_id": device_id, "device_code": standalone_code(new_id)})
        # The clock restarts past every stamp this device has written or seen.
        clock = HybridClock(last=max(outbox.hlc_high_water(conn),
                                     lww.high_water(conn, schema.RECORD_TABLES)))
        return Device(
            device_id=uuid.UUID(device_id),
            code=meta.get(conn, "device_code") or standalone_code(uuid.UUID(device_id)),
            clock=clock,
            shop_name=meta.get(conn, "shop_name") or "Mi tienda",
            server_url=meta.get(conn, "server_url"),
            credential=meta.get(conn, "credential"),
        )
