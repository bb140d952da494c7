"""The shop's people as the till stores them: who may log in, their PIN hashes, their roles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from pos_client.store.database import Tx
from pos_client.store.schema import cashiers
from shared.permissions import Role
from shared.sync.payloads import CashierPayload


@dataclass(frozen=True, slots=True)
class Cashier:
    """Someone who logged in (or typed their PIN to approve something)."""

    id: uuid.UUID
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class CashierRow:
    """A person as the staff screen lists them, inactive ones too."""

    id: uuid.UUID
    name: str
    role: Role
    active: bool


_LIVE = (cashiers.c.deleted == 0, cashiers.c.active == 1)


def active(tx: Tx) -> list[Cashier]:
    """Everyone who may log in now, by name."""
    rows = tx.execute(select(cashiers.c.id, cashiers.c.name, cashiers.c.role)
                      .where(*_LIVE).order_by(cashiers.c.name))
    return [Cashier(uuid.UUID(r.id), r.name, Role(r.role)) for r in rows]


def active_one(tx: Tx, cashier_id: uuid.UUID) -> Cashier | None:
    """That person, if they may log in now."""
    row = tx.execute(select(cashiers.c.id, cashiers.c.name, cashiers.c.role)
                     .where(cashiers.c.id == str(cashier_id), *_LIVE)).first()
    return Cashier(uuid.UUID(row.id), row.name, Role(row.role)) if row else None


def with_pin_hashes(tx: Tx) -> list[tuple[Cashier, str]]:
    """Everyone who may log in, each with their PIN's hash (to find whose PIN was typed)."""
    rows = tx.execute(select(cashiers.c.id, cashiers.c.name, cashiers.c.role, cashiers.c.pin_hash)
                      .where(*_LIVE))
    return [(Cashier(uuid.UUID(r.id), r.name, Role(r.role)), r.pin_hash) for r in rows]


def pin_hashes(tx: Tx, exclude: uuid.UUID | None = None) -> dict[str, str]:
    """Cashier id → PIN hash of everyone who may log in, but ``exclude``."""
    query = select(cashiers.c.id, cashiers.c.pin_hash).where(*_LIVE)
    if exclude is not None:
        query = query.where(cashiers.c.id != str(exclude))
    return {r.id: r.pin_hash for r in tx.execute(query)}


def listed(tx: Tx) -> list[CashierRow]:
    """Everyone not deleted, active or not, by name."""
    rows = tx.execute(select(cashiers.c.id, cashiers.c.name, cashiers.c.role, cashiers.c.active)
                      .where(cashiers.c.deleted == 0).order_by(cashiers.c.name))
    return [CashierRow(uuid.UUID(r.id), r.name, Role(r.role), bool(r.active)) for r in rows]


def record(tx: Tx, cashier_id: uuid.UUID) -> CashierPayload | None:
    """The stored person as a record payload, to edit and save again."""
    row = tx.execute(select(cashiers).where(cashiers.c.id == str(cashier_id),
                                            cashiers.c.deleted == 0)).first()
    if row is None:
        return None
    return CashierPayload(id=uuid.UUID(row.id), name=row.name, role=Role(row.role),
                          pin_hash=row.pin_hash, active=bool(row.active))


def other_active_owners(tx: Tx, exclude: uuid.UUID) -> int:
    """How many active owners there are besides ``exclude``."""
    count: int = tx.execute(select(func.count()).select_from(cashiers).where(
        *_LIVE, cashiers.c.role == Role.OWNER.value, cashiers.c.id != str(exclude))).scalar_one()
    return count
