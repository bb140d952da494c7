"""Cashiers, PIN log-in, permissions and the audit log of sensitive actions."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select

from pos_client.services import local
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.schema import cashiers, settings
from shared.clock import utc_now
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.permissions import Permission, Role, allowed, matrix_from
from shared.sync.payloads import AuditAction, AuditEventPayload

_HASHER = PasswordHasher()


class WrongPin(DomainError):
    code = "wrong_pin"


class NotAllowed(DomainError):
    code = "not_allowed"


@dataclass(frozen=True, slots=True)
class Cashier:
    id: uuid.UUID
    name: str
    role: Role


def active_cashiers(conn: Connection) -> list[Cashier]:
    rows = conn.execute(
        select(cashiers.c.id, cashiers.c.name, cashiers.c.role)
        .where(cashiers.c.deleted == 0, cashiers.c.active == 1).order_by(cashiers.c.name)
    )
    return [Cashier(uuid.UUID(r.id), r.name, Role(r.role)) for r in rows]


def has_cashiers(db: Database) -> bool:
    with db.read() as conn:
        return bool(active_cashiers(conn))


def permission_matrix(conn: Connection) -> dict[Role, frozenset[Permission]]:
    stored = conn.execute(select(settings.c.permissions).where(settings.c.deleted == 0)
                          .order_by(settings.c.hlc.desc()).limit(1)).scalar()
    return matrix_from(json.loads(stored) if stored else None)


def _pin_matches(pin_hash: str, pin: str) -> bool:
    try:
        return _HASHER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def login(db: Database, pin: str) -> Cashier:
    """The active cashier whose PIN this is. Slow on purpose (argon2): run it off the Qt thread."""
    with db.read() as conn:
        rows = conn.execute(
            select(cashiers.c.id, cashiers.c.name, cashiers.c.role, cashiers.c.pin_hash)
            .where(cashiers.c.deleted == 0, cashiers.c.active == 1)
        ).all()
    for r in rows:
        if _pin_matches(r.pin_hash, pin):
            return Cashier(uuid.UUID(r.id), r.name, Role(r.role))
    raise WrongPin("NIP incorrecto.")


def authorize(db: Database, pin: str, permission: Permission) -> Cashier:
    """Someone who may do ``permission`` typed their PIN (e.g. the encargado at the till)."""
    cashier = login(db, pin)
    with db.read() as conn:
        matrix = permission_matrix(conn)
    if not allowed(cashier.role, permission, matrix):
        raise NotAllowed(f"{cashier.name} no tiene permiso para esto.")
    return cashier


def require(conn: Connection, cashier_id: uuid.UUID | None, permission: Permission) -> None:
    """Inside a use case's transaction: ``cashier_id`` names an active cashier whose role holds
    ``permission`` now (the matrix may have changed since the screen asked)."""
    row = conn.execute(select(cashiers.c.name, cashiers.c.role).where(
        cashiers.c.id == str(cashier_id), cashiers.c.deleted == 0, cashiers.c.active == 1)).first() \
        if cashier_id else None
    if row is None:
        raise NotAllowed("Se necesita la autorización de alguien con permiso.")
    if not allowed(Role(row.role), permission, permission_matrix(conn)):
        raise NotAllowed(f"{row.name} no tiene permiso para esto.")


def guard(conn: Connection, cashier_id: uuid.UUID | None, authorized_by: uuid.UUID | None,
          permission: Permission) -> None:
    """A use case done by a known cashier needs the permission, theirs or their approver's.
    (Without any cashier — set-up, imports run by the system, tests — there is nobody to check.)"""
    if cashier_id is not None or authorized_by is not None:
        require(conn, authorized_by or cashier_id, permission)


def audit(
    conn: Connection, device: Device, action: AuditAction, *, cashier_id: uuid.UUID | None,
    authorized_by: uuid.UUID | None = None, subject_id: uuid.UUID | None = None,
    detail: str | None = None,
) -> None:
    """Record a sensitive action in the caller's transaction (it syncs like any fact)."""
    local.save(conn, device, "audit_event", AuditEventPayload(
        id=new_uuid7(), action=action, cashier_id=cashier_id, authorized_by=authorized_by,
        subject_id=subject_id, detail=detail[:500] if detail else None, at=utc_now()))
