"""Ticket builders for tests, from the device's own catalog, as the counter builds them."""

from __future__ import annotations

from pos_client.store.database import Database
from pos_client.store.repositories import catalog
from shared.ticket import Ticket, TicketLine


def ticket_for(db: Database, barcode: str, pieces: int = 1) -> Ticket:
    with db.read() as conn:
        product = catalog.by_barcode(conn, barcode)
    assert product is not None, f"no product with barcode {barcode}"
    ticket = Ticket()
    ticket.add(TicketLine(product.id, product.name, product.price, pieces * 1000, product.iva,
                          product.ieps_bp, product.sold_by_weight))
    return ticket
