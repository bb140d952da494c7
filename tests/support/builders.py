"""Builders that write straight to a till's store, BYPASSING the till's rules (no permission,
no check beyond the wire model's, no audit event). For setting up a scenario fast, or for
changes no use case on the till makes (an order's status comes from the server). A test about
a rule goes through the use case instead (``tests.support.backroom`` and the services)."""

from __future__ import annotations

from argon2 import PasswordHasher

from pos_client.services import local
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from shared.ids import new_uuid7
from shared.permissions import Role
from shared.sync.payloads import CashierPayload, Wire


def record(till: Till, entity: str, payload: Wire) -> None:
    """Store a whole record (category, cashier, settings, customer, order status…) as this
    till's own change, queued to sync. Bypasses the rules: see the module's docstring."""
    with till.db.write() as tx:
        local.save(tx, till, entity, payload, op="upsert")


def cashier(till: Till, name: str, role: Role | str, pin: str) -> Cashier:
    """A person who can log in with ``pin``, stored as is: nobody approves it, no audit event,
    and the PIN is not compared with the others' (``staff_admin.save_cashier`` does all that)."""
    payload = CashierPayload(id=new_uuid7(), name=name, role=Role(role),
                             pin_hash=PasswordHasher().hash(pin))
    record(till, "cashier", payload)
    return Cashier(payload.id, name, Role(role))
