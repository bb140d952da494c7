"""Catalog use cases on the device: loading the starter catalog into a standalone shop."""

from __future__ import annotations

from pos_client.store.apply import apply_changes
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import catalog, outbox
from shared.catalog import StarterProduct, starter_changes
from shared.clock import utc_now


def load_starter(db: Database, device: Device, products: list[StarterProduct]) -> int:
    """Add the starter products with their opening stock, as local changes that will sync.

    Returns how many were added; a store that already has products is left alone.
    """
    with db.write() as conn:
        if catalog.count(conn):
            return 0
        changes = starter_changes(products, device.clock, utc_now(), outbox.next_seq(conn))
        apply_changes(conn, [(change, device.device_id) for change in changes])
        for change in changes:
            outbox.append(conn, change)
    return len(products)
