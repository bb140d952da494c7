"""The installed till's smoke check (``--smoke-sale``): one real sale on a brand-new store.

The build's smoke test (tests/packaging/test_pos_build.py) runs the frozen program with it, so
the bundle is shown to hold everything a sale needs: the store and its migrations, the use
cases, the starter catalog, and the receipt (python-escpos with its capabilities file, the
QR), printed to a file printer.
"""

from __future__ import annotations

from pathlib import Path

from pos_client.receipts.printers import FilePrinter
from pos_client.services import cortes, first_start, tickets
from pos_client.services.sales import SaleContext, record_sale
from pos_client.services.till import Till
from pos_client.store.backup import STORE_NAME
from pos_client.store.database import Database
from pos_client.store.device import load_device
from pos_client.store.repositories import catalog
from shared.errors import DomainError
from shared.sale import PaymentMethod, Tender
from shared.ticket import Ticket, TicketLine

SMOKE_PIN = "000000"
FLOAT = 50_000  # $500.00


def sell_once(data_dir: Path) -> str:
    """Open a new shop with the starter catalog, open a shift, sell the first product for cash
    and print its ticket to ``data_dir/ticket-de-prueba.bin``; returns what happened."""
    db = Database(data_dir / STORE_NAME)
    try:
        till = Till(db, load_device(db))
        if not first_start.needs_setup(till):
            raise DomainError("La prueba de venta es solo para una carpeta de datos nueva.")
        shop = first_start.open_new_shop(till, shop_name="Prueba de instalación",
                                         owner_name="Prueba", pin=SMOKE_PIN, starter_catalog=True)
        shift_id = cortes.open_shift(till, FLOAT, shop.owner.id)
        with db.read() as conn:
            product = next(p for p in catalog.search(conn, "", limit=50) if not p.sold_by_weight)
        ticket = Ticket()
        ticket.add(TicketLine(product.id, product.name, product.price, 1000, product.iva,
                              product.ieps_bp, product.sold_by_weight))
        sale = record_sale(till, ticket, [Tender(PaymentMethod.CASH, ticket.total)],
                           SaleContext(cashier_id=shop.owner.id, shift_id=shift_id))
        printer = FilePrinter(str(data_dir / "ticket-de-prueba.bin"))
        printer.print_document(tickets.receipt(till, sale.sale_id))
        return f"VENTA {sale.folio} {sale.total} {product.name}"
    finally:
        db.close()
