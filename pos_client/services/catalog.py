"""Catalog use cases on the device: loading the starter catalog into a standalone shop."""

from __future__ import annotations

from pos_client.services.device import Device
from pos_client.store.database import Database
from pos_client.store.repositories import catalog, facts, outbox
from shared.catalog import StarterProduct
from shared.clock import utc_now
from shared.ids import new_uuid7
from shared.sync.wire import (
    Change,
    InventoryMovementChange,
    InventoryMovementPayload,
    ProductChange,
    ProductPayload,
)


def load_starter(db: Database, device: Device, products: list[StarterProduct]) -> int:
    """Add the starter products with their opening stock, as local changes that will sync.

    Returns how many were added; a store that already has products is left alone.
    """
    now = utc_now()
    with db.write() as conn:
        if catalog.count(conn):
            return 0
        seq = outbox.next_seq(conn)
        for item in products:
            product = ProductPayload(
                id=new_uuid7(), name=item.name, barcodes=[item.barcode],
                department=item.department, price=item.price, cost=item.cost, iva=item.iva,
                ieps_bp=item.ieps_bp, sold_by_weight=item.sold_by_weight,
                min_stock_milli=item.min_stock_milli,
            )
            hlc = device.clock.now()
            catalog.upsert_lww(conn, product, hlc, device.device_id, deleted=False)
            changes: list[Change] = [ProductChange(
                change_id=new_uuid7(), device_seq=seq, hlc=hlc, created_at=now,
                entity="product", payload=product)]
            if item.initial_stock_milli:
                movement = InventoryMovementPayload(
                    id=new_uuid7(), product_id=product.id, qty_milli=item.initial_stock_milli,
                    reason="initial", moved_at=now)
                facts.insert_movement(conn, movement, device.device_id)
                changes.append(InventoryMovementChange(
                    change_id=new_uuid7(), device_seq=seq + 1, hlc=device.clock.now(),
                    created_at=now, entity="inventory_movement", payload=movement))
            for change in changes:
                outbox.append(conn, change)
            seq += len(changes)
    return len(products)
