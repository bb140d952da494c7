"""Reading the audit log: sensitive actions, newest first, with who did and who approved them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from pos_client.store.database import Tx
from pos_client.store.schema import audit_events, cashiers


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: uuid.UUID
    action: str
    at: datetime
    cashier_name: str | None
    authorized_by_name: str | None
    detail: str | None


def rows(tx: Tx, action: str | None = None, since: datetime | None = None,
         until: datetime | None = None, limit: int = 500) -> list[AuditRow]:
    """Newest first, names joined in. ``since`` is inclusive, ``until`` exclusive (aware
    datetimes; stamps are stored in UTC)."""
    who, approver = cashiers.alias("who"), cashiers.alias("approver")
    query = (
        select(audit_events.c.id, audit_events.c.action, audit_events.c.at,
               audit_events.c.detail, who.c.name.label("who"), approver.c.name.label("approver"))
        .select_from(audit_events
                     .outerjoin(who, who.c.id == audit_events.c.cashier_id)
                     .outerjoin(approver, approver.c.id == audit_events.c.authorized_by))
        .order_by(audit_events.c.at.desc(), audit_events.c.id.desc()).limit(limit)
    )
    if action is not None:
        query = query.where(audit_events.c.action == action)
    if since is not None:
        query = query.where(audit_events.c.at >= since.astimezone(UTC).isoformat())
    if until is not None:
        query = query.where(audit_events.c.at < until.astimezone(UTC).isoformat())
    return [AuditRow(uuid.UUID(r.id), r.action, datetime.fromisoformat(r.at), r.who, r.approver,
                     r.detail) for r in tx.execute(query)]
