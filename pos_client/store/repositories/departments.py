"""The shop's departments (category records) as the catalog editor lists them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from pos_client.store.database import Tx
from pos_client.store.schema import categories


@dataclass(frozen=True, slots=True)
class Department:
    id: uuid.UUID
    name: str
    active: bool = True


def listed(tx: Tx, include_inactive: bool = False) -> list[Department]:
    """The departments not deleted, by name (accents and case as SQLite's NOCASE orders them)."""
    query = select(categories.c.id, categories.c.name, categories.c.active).where(
        categories.c.deleted == 0).order_by(categories.c.name.collate("NOCASE"))
    if not include_inactive:
        query = query.where(categories.c.active == 1)
    return [Department(uuid.UUID(r.id), r.name, bool(r.active)) for r in tx.execute(query)]
