"""Child process for crash tests: commit one sale, say so, then wait to be killed."""

from __future__ import annotations

import sys
from pathlib import Path

from pos_client.services.device import load_device
from pos_client.services.sales import record_sale
from pos_client.store.database import Database
from pos_client.store.repositories import catalog
from shared.sale import PaymentMethod, Tender
from shared.ticket import Ticket, TicketLine


def main() -> None:
    db_path, barcode = Path(sys.argv[1]), sys.argv[2]
    db = Database(db_path)
    device = load_device(db)
    with db.read() as conn:
        product = catalog.by_barcode(conn, barcode)
    assert product is not None
    ticket = Ticket()
    ticket.add(TicketLine(product.id, product.name, product.price, 2000, product.iva))
    receipt = record_sale(db, device, ticket, [Tender(PaymentMethod.CASH, 100_000)])
    print(f"COMMITTED {receipt.sale_id} {receipt.folio}", flush=True)
    sys.stdin.read()  # the parent SIGKILLs us here, before any push


if __name__ == "__main__":
    main()
