"""Back-room use cases: stock receipts, product edits, records and cashiers."""

from __future__ import annotations

import uuid
from typing import Any

from argon2 import PasswordHasher

from pos_client.services import local
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import catalog
from shared.clock import utc_now
from shared.errors import DomainError, UnknownProduct
from shared.ids import new_uuid7
from shared.permissions import Role
from shared.sync.payloads import (
    CashierPayload,
    InventoryMovementPayload,
    MovementReason,
    Wire,
)


def move_stock(
    db: Database, device: Device, product_id: uuid.UUID, qty_milli: int,
    reason: MovementReason = "receipt", note: str | None = None,
) -> uuid.UUID:
    """Merchandise received (positive) or an adjustment (either sign)."""
    if qty_milli == 0:
        raise DomainError("La cantidad no puede ser cero.", code="invalid_quantity")
    movement = InventoryMovementPayload(id=new_uuid7(), product_id=product_id, qty_milli=qty_milli,
                                        reason=reason, note=note, moved_at=utc_now())
    with db.write() as conn:
        local.save(conn, device, "inventory_movement", movement)
    return movement.id


def edit_product(db: Database, device: Device, product_id: uuid.UUID, **fields: Any) -> None:
    """Change some of a product's fields (price, name, …); the rest stay as stored."""
    with db.write() as conn:
        current = catalog.payload(conn, product_id)
        if current is None:
            raise UnknownProduct("Ese producto no existe en esta tienda.")
        updated = current.model_validate({**current.model_dump(), **fields})
        local.save(conn, device, "product", updated, op="upsert")


def delete_product(db: Database, device: Device, product_id: uuid.UUID) -> None:
    """Take a product out of the catalog: a tombstone that syncs; past sales keep its name."""
    with db.write() as conn:
        current = catalog.payload(conn, product_id)
        if current is None:
            raise UnknownProduct("Ese producto no existe en esta tienda.")
        local.save(conn, device, "product", current, op="delete")


def save_record(db: Database, device: Device, entity: str, payload: Wire) -> None:
    """Create or edit a record (category, cashier, settings, order status) as a whole."""
    with db.write() as conn:
        local.save(conn, device, entity, payload, op="upsert")


def add_cashier(
    db: Database, device: Device, name: str, role: Role | str, pin: str
) -> uuid.UUID:
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise DomainError("El NIP debe tener de 4 a 8 dígitos.", code="invalid_pin")
    cashier = CashierPayload(id=new_uuid7(), name=name, role=Role(role),
                             pin_hash=PasswordHasher().hash(pin))
    save_record(db, device, "cashier", cashier)
    return cashier.id
