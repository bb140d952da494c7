"""This device's identity: its id, folio code, clock, and (once paired) its shop and credential."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pos_client.store import schema
from pos_client.store.database import Database
from pos_client.store.repositories import lww, meta, outbox
from shared.errors import DomainError
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


def save_pairing(
    db: Database, device: Device, *, server_url: str, tenant_id: uuid.UUID,
    device_id: uuid.UUID, device_code: str, credential: str, shop_name: str,
) -> None:
    """Adopt the identity the server gave this device at pairing.

    A store that belongs to another shop is refused: its history and any unsynced changes
    would otherwise flow into this shop. Use a new data folder for it.
    """
    with db.write() as conn:
        previous = meta.get(conn, "tenant_id")
        if previous is not None and previous != str(tenant_id):
            raise OtherShop("Esta caja tiene datos de otra tienda. Para vincularla a esta tienda "
                            "usa una carpeta de datos nueva (--data-dir).")
        meta.put_many(conn, {
            "server_url": server_url, "tenant_id": str(tenant_id), "device_id": str(device_id),
            "device_code": device_code, "credential": credential, "shop_name": shop_name,
            # A new device code starts a new folio series, and a new shop's feed starts at 0.
            "folio_last": 0, "pull_cursor": 0,
        })
    device.device_id, device.code, device.credential = device_id, device_code, credential
    device.server_url, device.shop_name = server_url, shop_name


class OtherShop(DomainError):
    code = "other_shop"


class UnsyncedChanges(DomainError):
    code = "unsynced_changes"


def unsynced_count(db: Database) -> int:
    with db.read() as conn:
        counts = outbox.counts(conn)
    return counts.pending + counts.rejected


def unpair(db: Database, device: Device, *, lose_unsynced: bool = False) -> None:
    """Forget the server. The store keeps every sale; changes not yet synced make this refuse
    unless the person confirmed, having been told how many (``lose_unsynced``)."""
    pending = unsynced_count(db)
    if pending and not lose_unsynced:
        raise UnsyncedChanges(
            f"Hay {pending} cambios de esta caja que el servidor aún no tiene. "
            "Sincroniza antes de desvincular, o confirma que quieres desvincular de todos modos.")
    with db.write() as conn:
        # tenant_id stays: this store's data belongs to that shop, and may only rejoin it.
        for key in ("server_url", "credential"):
            meta.delete(conn, key)
    device.server_url = device.credential = None
