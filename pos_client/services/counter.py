"""The counter's own state: tickets set aside (parked), the open shift, products created at the till."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select

from pos_client.services import local, staff
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import catalog, operations
from pos_client.store.schema import parked_tickets
from shared.clock import utc_now
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.sync.payloads import ProductPayload
from shared.tax import IvaRate
from shared.ticket import Ticket, TicketLine

MAX_PARKED = 20


class TooManyParked(DomainError):
    code = "too_many_parked"


@dataclass(frozen=True, slots=True)
class Parked:
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


def park(db: Database, ticket: Ticket, label: str) -> uuid.UUID:
    """Set a ticket aside while another customer is served. On disk: it survives a restart."""
    if not ticket.lines:
        raise DomainError("El ticket está vacío: no hay nada que poner en espera.", code="empty_sale")
    parked_id = new_uuid7()
    with db.write() as conn:
        count = len(conn.execute(select(parked_tickets.c.id)).all())
        if count >= MAX_PARKED:
            raise TooManyParked(f"Ya hay {count} tickets en espera. Cobra o descarta alguno.")
        conn.execute(parked_tickets.insert().values(
            id=str(parked_id), label=label.strip()[:60] or f"Cliente {count + 1}",
            body=_ticket_json(ticket), parked_at=utc_now().isoformat()))
    return parked_id


def parked(conn: Connection) -> list[Parked]:
    rows = conn.execute(select(parked_tickets).order_by(parked_tickets.c.parked_at))
    out = []
    for r in rows:
        ticket = _ticket_from(r.body)
        out.append(Parked(uuid.UUID(r.id), r.label, datetime.fromisoformat(r.parked_at),
                          len(ticket.lines), ticket.total))
    return out


def resume(db: Database, parked_id: uuid.UUID) -> Ticket:
    """Take a parked ticket back (it leaves the list in the same transaction)."""
    with db.write() as conn:
        body = conn.execute(select(parked_tickets.c.body)
                            .where(parked_tickets.c.id == str(parked_id))).scalar()
        if body is None:
            raise DomainError("Ese ticket ya no está en espera.", code="not_parked")
        conn.execute(delete(parked_tickets).where(parked_tickets.c.id == str(parked_id)))
    return _ticket_from(body)


def open_shift_of(conn: Connection, device_id: uuid.UUID) -> uuid.UUID | None:
    return operations.open_shift_of(conn, device_id)


def create_product_at_counter(
    db: Database, device: Device, *, barcode: str, name: str, price: int, iva: IvaRate,
    sold_by_weight: bool, cashier_id: uuid.UUID | None, authorized_by: uuid.UUID | None,
) -> catalog.Product:
    """A scanned code the catalog doesn't know, created on the spot so it sells next time too."""
    payload = ProductPayload(id=new_uuid7(), name=name.strip(), barcodes=[barcode], price=price,
                             iva=iva, sold_by_weight=sold_by_weight)
    with db.write() as conn:
        if catalog.by_barcode(conn, barcode) is not None:
            raise DomainError(f"El código {barcode} ya existe en el catálogo.", code="barcode_taken")
        local.save(conn, device, "product", payload, op="upsert")
        staff.audit(conn, device, "catalog_edit", cashier_id=cashier_id,
                    authorized_by=authorized_by, subject_id=payload.id,
                    detail=f"Alta en caja: {payload.name} ({barcode})")
        product = catalog.by_id(conn, payload.id)
    assert product is not None
    return product
