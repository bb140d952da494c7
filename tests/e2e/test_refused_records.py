"""A record edit the server refuses (here a till whose clock runs two days ahead: ``clock_ahead``)
does not stay changed on that till: the server answers with its copy of the record, values and
field stamps, and the till holds exactly that. Nothing else the till pushed is lost."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from pos_client.services import catalog_admin
from pos_client.services.catalog_admin import ProductDraft
from pos_client.services.sales import record_sale
from pos_client.store import schema
from pos_client.store.repositories import catalog, outbox
from shared.hlc import HybridClock, wall_ms_now
from shared.sale import PaymentMethod, Tender
from tests.support.backroom import edit_product
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e

TWO_DAYS_MS = 2 * 24 * 3600 * 1000


def _held(pos, product_id: uuid.UUID) -> tuple[dict, tuple]:
    """The product as a till holds it: its payload and its stamps (newest, every field's)."""
    with pos.db.read() as conn:
        payload = catalog.payload(conn, product_id)
        row = conn.execute(select(schema.products).where(
            schema.products.c.id == str(product_id))).one()
    stamps = json.loads(row.field_stamps) if row.field_stamps else None
    return payload.model_dump(mode="json"), (row.hlc, row.hlc_device, stamps, bool(row.deleted))


def _on_server(server, product_id: uuid.UUID) -> dict:
    [row] = server.admin(
        "SELECT name, price, cost, hlc, hlc_device::text AS writer, field_stamps::text AS stamps "
        "FROM products WHERE product_id = $1", product_id)
    return dict(row)


def test_a_refused_edit_is_replaced_by_the_servers_copy(server, shop, paired_device,
                                                        small_catalog):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    for pos in (a, b):
        pos.agent.sync_once()
    item = next(p for p in small_catalog if not p.sold_by_weight)
    with a.db.read() as conn:
        product = catalog.by_barcode(conn, item.barcode)
    edit_product(b.till, product.id, price=product.price + 500)  # a good edit, synced
    b.agent.sync_once()
    a.agent.sync_once()

    # Till A's clock jumps two days ahead: its edit of the name and cost is refused, while
    # the sale it makes in the same push is kept (facts are accepted whatever their stamp).
    a.device.clock = HybridClock(wall_ms=lambda: wall_ms_now() + TWO_DAYS_MS)
    edit_product(a.till, product.id, name="Nombre con reloj adelantado", cost=product.cost + 1)
    ticket = ticket_for(a.db, item.barcode, 1)
    sale = record_sale(a.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    status = a.agent.sync_once()

    assert (status.replaced, status.rejected) == (1, 1)
    with a.db.read() as conn:
        [refused] = outbox.rejected(conn)
    assert refused.code == "clock_ahead"
    assert "volvió a los datos del servidor" in (refused.message or "")
    held_a = _held(a, product.id)
    server_row = _on_server(server, product.id)
    assert held_a[0]["name"] == server_row["name"] == product.name
    assert (held_a[0]["price"], held_a[0]["cost"]) == (server_row["price"], server_row["cost"])
    assert held_a[1][:2] == (server_row["hlc"], server_row["writer"])
    assert held_a[1][2] == (json.loads(server_row["stamps"]) if server_row["stamps"] else None)
    b.agent.sync_once()
    assert _held(b, product.id) == held_a  # B never saw the refused edit: the same record
    assert server.admin("SELECT count(*) AS n FROM sales WHERE sale_id = $1",
                        sale.sale_id)[0]["n"] == 1

    # The clock is fixed; a later rename on B reaches A (the refused stamp is gone from A).
    a.device.clock = HybridClock(last=0)
    edit_product(b.till, product.id, name="Nombre nuevo")
    for pos in (b, a):
        pos.agent.sync_once()
    assert _held(a, product.id) == _held(b, product.id)
    assert _held(a, product.id)[0]["name"] == "Nombre nuevo"


def test_a_refused_new_record_the_server_never_had_stays_and_yields_to_any_edit(
    server, shop, paired_device
):
    """No copy to put back: the till keeps its row (a sale may name it) with the lowest stamps,
    so its next edit, from a right clock, creates it on the server."""
    a = paired_device("caja-1")
    a.agent.sync_once()
    a.device.clock = HybridClock(wall_ms=lambda: wall_ms_now() + TWO_DAYS_MS)
    product_id = catalog_admin.save_product(
        a.till, ProductDraft(name="Producto del futuro", price=1_000), cashier_id=None).id
    status = a.agent.sync_once()
    assert (status.rejected, status.replaced) == (1, 0)
    assert _held(a, product_id)[1][:2] == (0, "00000000-0000-0000-0000-000000000000")

    a.device.clock = HybridClock(last=0)
    edit_product(a.till, product_id, price=1_200)
    a.agent.sync_once()
    [row] = server.admin("SELECT name, price FROM products WHERE product_id = $1", product_id)
    assert (row["name"], row["price"]) == ("Producto del futuro", 1_200)
