"""A customer's own invoice for a ticket: signed, valid against SAT's XSD, stamped once."""

from __future__ import annotations

import pytest

from shared.fiscal import check_receptor
from sync_server import db
from sync_server.cfdi.xsd import check_xml
from sync_server.repositories import invoices
from sync_server.services import invoicing
from tests.support.cfdi import Item, sale, sale_id_of

pytestmark = pytest.mark.anyio

CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")


async def test_a_ticket_becomes_a_stamped_cfdi_that_validates(shop):
    change = sale(shop.till, [Item("Refresco 600 ml", 1800, 2000), Item("Papas", 1700, ieps_bp=800),
                              Item("Tortilla", 2200, 750, iva="0"), Item("Libro", 12000, iva="exento")],
                  [("efectivo", 8_950), ("tarjeta", 10_000)])
    await shop.push(change)
    got = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change), CUSTOMER,
                                         requested_by="customer", wait_s=5)
    assert got.stamped, got
    assert got.total == 3_600 + 1_700 + 1_650 + 12_000  # 189.50
    async with db.tenant_tx(shop.ctx.pool, shop.tenant_id) as conn:
        signed, stamped = await invoices.documents(conn, shop.tenant_id, got.invoice_id)
    assert stamped is not None
    doc = check_xml(stamped)  # CFDI 4.0 + TimbreFiscalDigital XSDs
    assert doc["Complemento"]["TimbreFiscalDigital"]["UUID"] == got.uuid
    assert (doc["Receptor"]["Rfc"], doc["MetodoPago"], doc["FormaPago"]) == ("XOJI740919U48", "PUE", "04")
    assert str(doc["Total"]) == "189.50"
    assert len(shop.pac.stamped_for("F", "1")) == 1
