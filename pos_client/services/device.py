"""Pairing and unpairing this device: adopting the identity a server gives it, and forgetting it."""

from __future__ import annotations

import uuid

from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import meta, outbox
from shared.errors import DomainError


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
