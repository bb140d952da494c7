"""Charging a ticket: the sale, its folio and its outbox change, committed in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from pos_client.services import local
from pos_client.services.device import Device
from pos_client.store.database import Database
from pos_client.store.repositories import meta
from shared.clock import utc_now
from shared.errors import EmptySale
from shared.ids import new_uuid7
from shared.sale import Payment, Tender, settle
from shared.sync.wire import SaleLinePayload, SalePayload, SalePaymentPayload
from shared.ticket import Ticket


@dataclass(frozen=True, slots=True)
class SaleReceipt:
    """What the cashier sees after charging: enough to print the ticket and give change."""

    sale_id: uuid.UUID
    folio: str
    total: int
    change: int
    payments: tuple[Payment, ...]


def record_sale(db: Database, device: Device, ticket: Ticket, tenders: Sequence[Tender]) -> SaleReceipt:
    """Validate and commit a sale. On return it is on disk (synchronous=FULL) and queued to sync.

    Nothing is written if any rule refuses it (empty ticket, short payment, bad amounts).
    """
    if not ticket.lines:
        raise EmptySale("El ticket está vacío. Escanea o busca un producto.")
    total = ticket.total  # each read adds up every line again
    settlement = settle(total, tenders)
    sale_id, now = new_uuid7(), utc_now()
    lines = [
        SaleLinePayload(
            line_no=i, product_id=ln.product_id, name=ln.name, qty_milli=ln.qty_milli,
            unit_price=ln.unit_price, total=ln.total, iva=ln.iva, ieps_bp=ln.ieps_bp,
        )
        for i, ln in enumerate(ticket.lines, start=1)
    ]
    payments = [
        SalePaymentPayload(method=p.method, amount=p.amount, tendered=p.tendered,
                           reference=p.reference)
        for p in settlement.payments
    ]
    with db.write() as conn:
        number = meta.next_number(conn, "folio_last")
        payload = SalePayload(
            id=sale_id, folio=f"{device.code}-{number:06d}", sold_at=now, total=total,
            change=settlement.change, lines=lines, payments=payments,
        )
        local.save(conn, device, "sale", payload)
    return SaleReceipt(sale_id, payload.folio, payload.total, settlement.change,
                       settlement.payments)
