"""Back-room use cases: stock receipts, product edits, customers and their fiado account."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from argon2 import PasswordHasher

from pos_client.services import local
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import catalog, operations
from shared.clock import utc_now
from shared.errors import DomainError, UnknownProduct
from shared.ids import new_uuid7
from shared.permissions import Role
from shared.sale import PaymentMethod
from shared.sync.payloads import (
    CashierPayload,
    CashMovementPayload,
    CountedAmount,
    CustomerPayload,
    FiadoChargePayload,
    FiadoPaymentPayload,
    InventoryMovementPayload,
    MovementReason,
    ShiftClosePayload,
    ShiftOpenPayload,
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


def add_customer(
    db: Database, device: Device, name: str, phone: str | None = None, credit_limit: int = 0
) -> uuid.UUID:
    customer = CustomerPayload(id=new_uuid7(), name=name, phone=phone, credit_limit=credit_limit)
    with db.write() as conn:
        local.save(conn, device, "customer", customer, op="upsert")
    return customer.id


def charge_fiado(
    db: Database, device: Device, customer_id: uuid.UUID, amount: int, note: str | None = None
) -> uuid.UUID:
    charge = FiadoChargePayload(id=new_uuid7(), customer_id=customer_id, amount=amount, note=note,
                                charged_at=utc_now())
    with db.write() as conn:
        local.save(conn, device, "fiado_charge", charge)
    return charge.id


def pay_fiado(
    db: Database, device: Device, customer_id: uuid.UUID, amount: int,
    method: PaymentMethod = PaymentMethod.CASH,
) -> uuid.UUID:
    """An abono: the customer pays back part or all of what they owe."""
    payment = FiadoPaymentPayload(id=new_uuid7(), customer_id=customer_id, amount=amount,
                                  method=method, paid_at=utc_now())
    with db.write() as conn:
        local.save(conn, device, "fiado_payment", payment)
    return payment.id


def cash_movement(
    db: Database, device: Device, direction: Literal["entrada", "salida"], amount: int, reason: str,
    shift_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Cash put into (entrada) or taken out of (salida) the drawer, always with a reason."""
    movement = CashMovementPayload(id=new_uuid7(), shift_id=shift_id, direction=direction,
                                   amount=amount, reason=reason, moved_at=utc_now())
    with db.write() as conn:
        local.save(conn, device, "cash_movement", movement)
    return movement.id


def open_shift(
    db: Database, device: Device, float_amount: int, cashier_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Open this till's shift with its float. One at a time: a second one would split the
    day's sales across two cortes."""
    shift = ShiftOpenPayload(id=new_uuid7(), cashier_id=cashier_id, float_amount=float_amount,
                             opened_at=utc_now())
    with db.write() as conn:
        if operations.open_shift_of(conn, device.device_id) is not None:
            raise DomainError("Ya hay un turno abierto en esta caja. Haz su corte Z primero.",
                              code="shift_already_open")
        local.save(conn, device, "shift_open", shift)
    return shift.id


def close_shift(
    db: Database, device: Device, shift_id: uuid.UUID, counted: dict[PaymentMethod, int],
    note: str | None = None,
) -> uuid.UUID:
    close = ShiftClosePayload(
        id=new_uuid7(), shift_id=shift_id, note=note, closed_at=utc_now(),
        counted=[CountedAmount(method=m, amount=a) for m, a in counted.items()])
    with db.write() as conn:
        local.save(conn, device, "shift_close", close)
    return close.id


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
