"""Pairing and unpairing this device: adopting the identity a server gives it, and forgetting it."""

from __future__ import annotations

import uuid

from pos_client.services.till import Till
from pos_client.store.repositories import meta, outbox, shifts
from shared.errors import DomainError
from shared.spanish import agree, count


def save_pairing(
    till: Till, *, server_url: str, tenant_id: uuid.UUID,
    device_id: uuid.UUID, device_code: str, credential: str, shop_name: str,
) -> None:
    """Adopt the identity the server gave this device at pairing.

    A store that belongs to another shop is refused: its history and any unsynced changes
    would otherwise flow into this shop. Use a new data folder for it.
    """
    with till.db.write() as tx:
        previous = meta.get(tx, "tenant_id")
        if previous is not None and previous != str(tenant_id):
            raise OtherShop("Esta caja tiene datos de otra tienda. Para vincularla a esta tienda "
                            "usa una carpeta de datos nueva (--data-dir).")
        # A shift left open under the old identity (revoked, or a standalone till joining its
        # shop) is still this drawer's: without this the till could neither sell on it nor
        # make its corte.
        old_device = meta.get(tx, "device_id")
        if old_device and old_device != str(device_id):
            shifts.adopt_open(tx, old_device, device_id)
        meta.put_many(tx, {
            "server_url": server_url, "tenant_id": str(tenant_id), "device_id": str(device_id),
            "device_code": device_code, "credential": credential, "shop_name": shop_name,
            # A new device code starts a new folio series, and a new shop's feed starts at 0.
            "folio_last": 0, "pull_cursor": 0,
        })
    device = till.device
    device.device_id, device.code, device.credential = device_id, device_code, credential
    device.server_url, device.shop_name = server_url, shop_name


def series_so_far(till: Till) -> int:
    """Where this store's change numbers got to on a server, sent when pairing: a till
    re-paired after its device was revoked keeps numbering its queued changes where it left
    off, and the new device's series continues from here, so no gap is reported (0: a new
    store, or a standalone till whose changes all wait)."""
    with till.db.read() as tx:
        return outbox.before_pending(tx)


class OtherShop(DomainError):
    code = "other_shop"


class UnsyncedChanges(DomainError):
    code = "unsynced_changes"


def unsynced_count(till: Till) -> int:
    """Changes of this till the server has not taken yet (pending or refused)."""
    with till.db.read() as tx:
        counts = outbox.counts(tx)
    return counts.pending + counts.rejected


def unpair(till: Till, *, lose_unsynced: bool = False) -> None:
    """Forget the server. The store keeps every sale; changes not yet synced make this refuse
    unless the person confirmed, having been told how many (``lose_unsynced``)."""
    pending = unsynced_count(till)
    if pending and not lose_unsynced:
        raise UnsyncedChanges(
            f"{agree(pending, 'Hay')} {count(pending, 'cambio')} de esta caja que el servidor aún no tiene. "
            "Sincroniza antes de desvincular, o confirma que quieres desvincular de todos modos.")
    with till.db.write() as tx:
        # tenant_id stays: this store's data belongs to that shop, and may only rejoin it.
        for key in ("server_url", "credential"):
            meta.delete(tx, key)
    till.device.server_url = till.device.credential = None
