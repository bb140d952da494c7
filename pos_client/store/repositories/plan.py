"""The shop's plan as the server last sent it (the ``plan`` record), kept for offline use."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from pos_client.store.repositories import lww
from pos_client.store.repositories.lww import Edit
from pos_client.store.schema import shop_plan
from shared.sync.merge import DELETED
from shared.sync.payloads import PLAN_ID, PlanPayload

# The plan travels whole and only the server writes it: its body is one field.
_FIELDS = ("body", DELETED)


def upsert_many(conn: Connection, edits: Sequence[Edit]) -> None:
    lww.upsert_many(conn, shop_plan, [
        e.row(_FIELDS, {"body": e.payload.model_dump_json()}) for e in edits], _FIELDS)


def current(conn: Connection) -> PlanPayload | None:
    """The last plan record received; None before the first one arrives (a till that never
    synced, or a server older than plans)."""
    body = conn.execute(select(shop_plan.c.body).where(shop_plan.c.id == str(PLAN_ID),
                                                       shop_plan.c.deleted == 0)).scalar()
    return PlanPayload.model_validate_json(body) if body else None
