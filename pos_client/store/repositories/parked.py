"""Tickets set aside at the counter (local only, never synced): kept whole, as JSON, until resumed."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, select

from pos_client.store.schema import parked_tickets
from shared.tax import IvaRate
from shared.ticket import Ticket, TicketLine


@dataclass(frozen=True, slots=True)
class ParkedTicket:
    """One ticket on hold, as the list of them shows it."""

    id: uuid.UUID
    label: str
    parked_at: datetime
    lines: int
    total: int


def _ticket_json(ticket: Ticket) -> str:
    rows = []
    for ln in ticket.lines:
        row = asdict(ln)
        row["product_id"] = str(ln.product_id) if ln.product_id else None
        row["iva"] = ln.iva.value
        rows.append(row)
    return json.dumps({"lines": rows,
                       "discount_by": str(ticket.discount_by) if ticket.discount_by else None})


def _ticket_from(body: str) -> Ticket:
    stored = json.loads(body)
    approver = stored.get("discount_by")
    ticket = Ticket(discount_by=uuid.UUID(approver) if approver else None)
    for row in stored["lines"]:
        row["product_id"] = uuid.UUID(row["product_id"]) if row["product_id"] else None
        row["iva"] = IvaRate(row["iva"])
        ticket.lines.append(TicketLine(**row))
    return ticket


def count(conn: Connection) -> int:
    n: int = conn.execute(select(func.count()).select_from(parked_tickets)).scalar_one()
    return n


def add(conn: Connection, parked_id: uuid.UUID, label: str, ticket: Ticket, at: datetime) -> None:
    conn.execute(parked_tickets.insert().values(
        id=str(parked_id), label=label, body=_ticket_json(ticket), parked_at=at.isoformat()))


def listed(conn: Connection) -> list[ParkedTicket]:
    """Every ticket on hold, the longest waiting first."""
    out = []
    for r in conn.execute(select(parked_tickets).order_by(parked_tickets.c.parked_at)):
        ticket = _ticket_from(r.body)
        out.append(ParkedTicket(uuid.UUID(r.id), r.label, datetime.fromisoformat(r.parked_at),
                                len(ticket.lines), ticket.total))
    return out


def take(conn: Connection, parked_id: uuid.UUID) -> Ticket | None:
    """The parked ticket, removed from the list (None if it is no longer there)."""
    body = conn.execute(select(parked_tickets.c.body)
                        .where(parked_tickets.c.id == str(parked_id))).scalar()
    if body is None:
        return None
    conn.execute(delete(parked_tickets).where(parked_tickets.c.id == str(parked_id)))
    return _ticket_from(body)
