"""The shop's plan as the server last sent it (the ``plan`` record), kept for offline use."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, select

from pos_client.store.repositories import lww
from pos_client.store.schema import shop_plan
from shared.sync.payloads import PLAN_ID, PlanPayload


def upsert_many(
    conn: Connection, edits: Sequence[tuple[PlanPayload, int, uuid.UUID, bool]]
) -> None:
    lww.upsert_many(conn, shop_plan, [
        {"id": str(p.id), "body": p.model_dump_json(), "deleted": int(deleted), "hlc": hlc,
         "hlc_device": str(writer)}
        for p, hlc, writer, deleted in edits
    ])


def current(conn: Connection) -> PlanPayload | None:
    """The last plan record received; None before the first one arrives (a till that never
    synced, or a server older than plans)."""
    body = conn.execute(select(shop_plan.c.body).where(shop_plan.c.id == str(PLAN_ID),
                                                       shop_plan.c.deleted == 0)).scalar()
    return PlanPayload.model_validate_json(body) if body else None
