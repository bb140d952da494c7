"""Setting a shop up in tests through the back room's real use cases: its people, product edits,
stock received. Each goes through the same rules the screens do (permissions, PINs no two
alike, barcode clashes, quantity limits), so a test that uses them exercises a path
production takes. Rows that skip those rules are in ``tests.support.builders``."""

from __future__ import annotations

import uuid
from typing import Any

from pos_client.services import catalog_admin, inventory, staff, staff_admin
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from shared.permissions import Role
from shared.sync.payloads import ProductPayload


def hire(till: Till, name: str, role: Role | str, pin: str) -> Cashier:
    """A new person at the shop. In a shop with nobody yet an owner is its first person (as the
    counter asks a new shop for); anyone else is added by the owner in Cajeros y permisos (a
    shop without one gets Doña Mary, PIN 1234, first)."""
    owners = [c for c in staff.active_cashiers(till) if c.role is Role.OWNER]
    if not owners and Role(role) is Role.OWNER:
        return staff_admin.create_first_owner(till, name, pin)
    owner = owners[0] if owners else owner_of(till)
    cashier_id = staff_admin.save_cashier(till, None, name, Role(role), pin, True, owner)
    return Cashier(cashier_id, " ".join(name.split()), Role(role))


def owner_of(till: Till) -> Cashier:
    """The shop's owner, hired as Doña Mary (PIN 1234) if the shop has nobody yet."""
    owners = [c for c in staff.active_cashiers(till) if c.role is Role.OWNER]
    return owners[0] if owners else hire(till, "Doña Mary", Role.OWNER, "1234")


def edit_product(till: Till, product_id: uuid.UUID, **fields: Any) -> ProductPayload:
    """Change some of a product's fields (price, name, cost…) in the product editor; the rest
    stay as stored."""
    current = catalog_admin.product(till, product_id)
    assert current is not None, f"no product {product_id}"
    return catalog_admin.save_product(till, current.model_copy(update=fields), cashier_id=None)


def receive(till: Till, product_id: uuid.UUID, qty_milli: int, cost: int | None = None) -> None:
    """Merchandise received (Inventario → Recibir mercancía)."""
    inventory.receive(till, [(product_id, qty_milli, cost)], None, cashier_id=None)
