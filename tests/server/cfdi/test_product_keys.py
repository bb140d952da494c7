"""SAT's keys per product: a product record synced with its ClaveProdServ and ClaveUnidad puts
them on every concept of its lines (the customer's invoice and a credit note for a return);
without them, 01010101 with H87, or KGM when sold by weight."""

from __future__ import annotations

import uuid

import pytest

from shared.fiscal import check_receptor
from shared.ids import new_uuid7
from sync_server.services import credit_notes, invoicing
from tests.support.cfdi import Item, documents, drain, rows, sale, sale_id_of

pytestmark = pytest.mark.anyio

CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")


def _product(shop, name: str, price: int, *, key: str | None = None, unit: str | None = None,
             by_weight: bool = False):
    pid = new_uuid7()
    body: dict[str, object] = {"id": pid, "name": name, "price": price,
                               "sold_by_weight": by_weight, "barcodes": [f"750{pid.int % 10**10:010d}"]}
    if key:
        body |= {"sat_product_key": key, "sat_unit_key": unit}
    return pid, shop.till.change("product", body)


def _keys(doc) -> list[tuple[str, str, str]]:
    return [(c["Descripcion"], c["ClaveProdServ"], c["ClaveUnidad"]) for c in doc["Conceptos"]]


async def test_concepts_carry_each_products_sat_keys_or_the_generic_ones(shop):
    soda, soda_change = _product(shop, "Refresco", 1800, key="50202306", unit="LTR")
    beans, beans_change = _product(shop, "Frijol", 3800, by_weight=True)
    loose: uuid.UUID | None = None
    change = sale(shop.till, [Item("Refresco", 1800, 2000, product_id=soda),
                              Item("Frijol", 3800, 750, iva="0", product_id=beans),
                              Item("Varios", 500, product_id=loose)])
    await shop.push(soda_change, beans_change, change)
    got = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change), CUSTOMER,
                                         requested_by="counter", wait_s=5)
    doc = await documents(shop.ctx, shop.tenant_id, got.invoice_id)
    assert _keys(doc) == [("Refresco", "50202306", "LTR"), ("Frijol", "01010101", "KGM"),
                          ("Varios", "01010101", "H87")]

    await shop.push(shop.till.sale_return(sale_id_of(change), [(1, soda, 1800)]))
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 1
    await drain(shop.ctx)
    [note] = [r for r in await rows(shop.ctx, shop.tenant_id) if r.kind == "credit"]
    note_doc = await documents(shop.ctx, shop.tenant_id, note.invoice_id)
    assert _keys(note_doc) == [("Devolución: Refresco", "50202306", "LTR")]

