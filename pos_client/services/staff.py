"""Cashiers, PIN log-in, permissions and the audit log of sensitive actions."""

from __future__ import annotations

import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pos_client.services import local
from pos_client.services.till import Till
from pos_client.store.database import Tx
from pos_client.store.repositories import cashiers, shop
from pos_client.store.repositories.cashiers import Cashier
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.permissions import Permission, Role, allowed, matrix_from
from shared.sync.payloads import AuditAction, AuditEventPayload

__all__ = ["Cashier", "NotAllowed", "WrongPin"]

_HASHER = PasswordHasher()


class WrongPin(DomainError):
    code = "wrong_pin"


class NotAllowed(DomainError):
    code = "not_allowed"


def active_cashiers(till: Till) -> list[Cashier]:
    """Everyone who may log in now, by name."""
    with till.db.read() as tx:
        return cashiers.active(tx)


def has_cashiers(till: Till) -> bool:
    """False in a new shop, whose first person is its owner."""
    return bool(active_cashiers(till))


def permission_matrix(tx: Tx) -> dict[Role, frozenset[Permission]]:
    """What each role may do, as stored now (inside the caller's transaction)."""
    return matrix_from(shop.stored_permissions(tx))


def pin_matches(pin_hash: str, pin: str) -> bool:
    try:
        return _HASHER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def login(till: Till, pin: str) -> Cashier:
    """The active cashier whose PIN this is. Slow on purpose (argon2): run it off the Qt thread."""
    with till.db.read() as tx:
        candidates = cashiers.with_pin_hashes(tx)
    for cashier, pin_hash in candidates:
        if pin_matches(pin_hash, pin):
            return cashier
    raise WrongPin("NIP incorrecto.")


def authorize(till: Till, pin: str, permission: Permission) -> Cashier:
    """Someone who may do ``permission`` typed their PIN (e.g. the encargado at the till)."""
    cashier = login(till, pin)
    with till.db.read() as tx:
        matrix = permission_matrix(tx)
    if not allowed(cashier.role, permission, matrix):
        raise NotAllowed(f"{cashier.name} no tiene permiso para esto.")
    return cashier


def require(tx: Tx, cashier_id: uuid.UUID | None, permission: Permission) -> None:
    """Inside a use case's transaction: ``cashier_id`` names an active cashier whose role holds
    ``permission`` now (the matrix may have changed since the screen asked)."""
    who = cashiers.active_one(tx, cashier_id) if cashier_id else None
    if who is None:
        raise NotAllowed("Se necesita la autorización de alguien con permiso.")
    if not allowed(who.role, permission, permission_matrix(tx)):
        raise NotAllowed(f"{who.name} no tiene permiso para esto.")


def guard(tx: Tx, cashier_id: uuid.UUID | None, authorized_by: uuid.UUID | None,
          permission: Permission) -> None:
    """A use case done by a known cashier needs the permission, theirs or their approver's.
    (Without any cashier — set-up, imports run by the system, tests — there is nobody to check.)"""
    if cashier_id is not None or authorized_by is not None:
        require(tx, authorized_by or cashier_id, permission)


def audit(
    tx: Tx, till: Till, action: AuditAction, *, cashier_id: uuid.UUID | None,
    authorized_by: uuid.UUID | None = None, subject_id: uuid.UUID | None = None,
    detail: str | None = None,
) -> None:
    """Record a sensitive action in the caller's transaction (it syncs like any fact)."""
    local.save(tx, till, "audit_event", AuditEventPayload(
        id=new_uuid7(), action=action, cashier_id=cashier_id, authorized_by=authorized_by,
        subject_id=subject_id, detail=detail[:500] if detail else None, at=till.now()))
