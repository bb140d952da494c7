"""Catalog use cases on the device: loading the starter catalog into a standalone shop."""

from __future__ import annotations

from pos_client.services.till import Till
from pos_client.store.apply import apply_changes
from pos_client.store.repositories import catalog, outbox
from shared.catalog import StarterProduct, starter_changes


def load_starter(till: Till, products: list[StarterProduct]) -> int:
    """Add the starter products with their opening stock, as local changes that will sync.

    Returns how many were added; a store that already has products is left alone.
    """
    with till.db.write() as tx:
        if catalog.count(tx):
            return 0
        changes = starter_changes(products, till.device.clock, till.now(), outbox.next_seq(tx))
        apply_changes(tx, [(change, till.device.device_id) for change in changes])
        for change in changes:
            outbox.append(tx, change)
    return len(products)
