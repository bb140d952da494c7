"""Every kind of change a device can make reaches the server and the other devices."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import text

from pos_client.services import accounts, catalog_admin, cortes, staff_admin
from pos_client.services.returns import NothingToReturn, return_sale
from pos_client.services.sales import SaleContext, record_sale
from pos_client.services.till import Till
from pos_client.store import apply as client_apply
from pos_client.store.repositories import catalog, withdraw
from shared.clock import utc_now
from shared.permissions import Role
from shared.returns import ReturnRefused
from shared.sale import PaymentMethod, Tender
from shared.sync.envelopes import ENTITIES
from shared.sync.payloads import SETTINGS_ID, OrderStatusPayload, SettingsPayload
from shared.ticket import Ticket, TicketLine
from sync_server.sync import apply as server_apply
from tests.support import builders
from tests.support.backroom import edit_product, hire
from tests.support.builders import record
from tests.support.ledger import fiado_charge
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


def test_every_entity_has_an_applier_on_both_sides_in_the_wires_order():
    assert list(client_apply._APPLY) == list(ENTITIES)
    assert list(server_apply._APPLIERS) == list(ENTITIES)


def test_every_fact_can_be_withdrawn_on_the_till():
    """A fact the server refuses is taken back out of the till's tables; records never are."""
    assert set(withdraw._ROWS) == {e.name for e in ENTITIES.values() if e.kind == "fact"}


def test_returns_cash_shifts_and_records_reach_the_other_device(
    server, shop, paired_device, small_catalog
):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    for pos in (a, b):
        pos.agent.sync_once()
    item = small_catalog[0]
    ticket = ticket_for(a.db, item.barcode, 3)
    sale = record_sale(a.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    partial = return_sale(a.till, sale.sale_id, "Venía abollada", {1: 1000})
    with pytest.raises(ReturnRefused, match="queda 2 de 3"):
        return_sale(a.till, sale.sale_id, "Otra vez", {1: 3000})
    rest = return_sale(a.till, sale.sale_id, "Cancelación")  # what is left: 2 pieces
    with pytest.raises(NothingToReturn):
        return_sale(a.till, sale.sale_id, "Ya no queda nada")
    till = Till(a.db, a.device)
    shift = cortes.open_shift(till, 50_000)
    cortes.move_cash(till, shift, "salida", 20_000, "Pago al proveedor de refrescos")
    cortes.close_with_corte(till, shift, {PaymentMethod.CASH: 30_000}, "Sin diferencias", None)
    owner = hire(a.till, "Pepe", Role.OWNER, "1234")
    cashier = owner.id
    # Not one of the starter catalog's departments (those are records of their own now).
    catalog_admin.add_department(a.till, "Cremería", owner.id)
    staff_admin.save_settings(a.till, SettingsPayload(
        id=SETTINGS_ID, shop_name="Abarrotes Doña Mary", rfc="MAHM800101AB1"), owner)
    order = uuid.uuid4()
    # No use case on the till changes an order's status (the server's WhatsApp orders do).
    record(a.till, "order_status", OrderStatusPayload(id=order, status="listo", changed_at=utc_now()))

    assert a.agent.sync_once().pending == 0
    b.agent.sync_once()
    with a.db.read() as conn:
        sent_departments = {r.name for r in conn.execute(text("SELECT name FROM categories"))}
    with b.db.read() as conn:
        product = catalog.by_barcode(conn, item.barcode)
        assert product.stock_milli == item.initial_stock_milli  # sold 3, 3 came back
        returns = conn.execute(text("SELECT amount FROM sale_returns ORDER BY returned_at")).all()
        assert [r.amount for r in returns] == [partial.amount, rest.amount]
        assert partial.amount + rest.amount == sale.total
        assert conn.execute(text("SELECT direction, amount FROM cash_movements")).one() == (
            "salida", 20_000)
        counted = conn.execute(text("SELECT counted FROM shift_closes")).scalar_one()
        assert json.loads(counted) == [{"method": "efectivo", "amount": 30_000}]
        pin_hash = conn.execute(text("SELECT pin_hash FROM cashiers WHERE id = :id"),
                                {"id": str(cashier)}).scalar_one()
        assert pin_hash.startswith("$argon2")
        assert "1234" not in pin_hash
        names = {r.name for r in conn.execute(text("SELECT name FROM categories"))}
        assert "Cremería" in names
        assert names == sent_departments
        assert conn.execute(text("SELECT rfc FROM settings")).scalar_one() == "MAHM800101AB1"
        assert conn.execute(text("SELECT status FROM order_statuses WHERE id = :id"),
                            {"id": str(order)}).scalar_one() == "listo"
    stock = server.admin("SELECT stock_milli FROM product_stock WHERE product_id = $1", product.id)
    assert stock[0]["stock_milli"] == item.initial_stock_milli
    counts = server.admin(
        """SELECT (SELECT count(*) FROM sale_returns) r, (SELECT count(*) FROM cash_movements) c,
                  (SELECT count(*) FROM shifts) s, (SELECT count(*) FROM shift_closes) z,
                  (SELECT count(*) FROM cashiers) k, (SELECT count(*) FROM categories) g,
                  (SELECT count(*) FROM shop_settings) t, (SELECT count(*) FROM order_statuses) o""")
    assert tuple(counts[0]) == (2, 1, 1, 1, 1, len(sent_departments), 1, 1)


def test_costs_refund_splits_abonos_and_customer_edits_reach_the_server_and_the_other_till(
    server, shop, paired_device, small_catalog
):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    for pos in (a, b):
        pos.agent.sync_once()
    item = small_catalog[0]
    with a.db.read() as conn:
        product = catalog.by_barcode(conn, item.barcode)
    edit_product(a.till, product.id, cost=1234)
    cashier = builders.cashier(a.till, "Lupita", Role.MANAGER, "1234").id  # may cancel
    till = Till(a.db, a.device)
    shift = cortes.open_shift(till, 50_000, cashier)
    customer = accounts.save_customer(till, accounts.CustomerDraft("Doña Lupe", "", "500"),
                                      editor=cashier).id
    accounts.save_customer(till, accounts.CustomerDraft("Doña Lupe", "", "900", id=customer),
                           editor=cashier)
    with a.db.read() as conn:
        costed = catalog.by_barcode(conn, item.barcode)
    ticket = Ticket()
    ticket.add(TicketLine(costed.id, costed.name, costed.price, 2000, costed.iva, costed.ieps_bp,
                          cost=costed.cost))
    fiado_part = 1000
    sale = record_sale(a.till, ticket,
                       [Tender(PaymentMethod.FIADO, fiado_part),
                        Tender(PaymentMethod.CASH, ticket.total - fiado_part)],
                       SaleContext(cashier_id=cashier, shift_id=shift, customer_id=customer))
    back = return_sale(a.till, sale.sale_id, "Cancelación", cashier_id=cashier)
    assert (back.amount, back.refund_to_account) == (sale.total, fiado_part)
    # The refund paid the account off; charge again so there is something to pay.
    fiado_charge(till, customer, 5_000)
    abono = accounts.pay(till, customer, 2_000, PaymentMethod.TRANSFER, reference="SPEI 42",
                         cashier_id=cashier, shift_id=shift)

    assert a.agent.sync_once().pending == 0
    b.agent.sync_once()

    line = server.admin("SELECT cost FROM sale_lines WHERE sale_id = $1", sale.sale_id)
    assert [r["cost"] for r in line] == [1234]
    ret = server.admin("SELECT amount, refund_to_account, refund_method FROM sale_returns")
    assert [tuple(r) for r in ret] == [(sale.total, fiado_part, "efectivo")]
    pay = server.admin("SELECT cashier_id, shift_id, reference FROM fiado_payments WHERE payment_id = $1",
                       abono.id)
    assert [tuple(r) for r in pay] == [(cashier, shift, "SPEI 42")]
    edits = server.admin("SELECT cashier_id, subject_id, detail FROM audit_events "
                         "WHERE action = 'customer_edit' ORDER BY at")
    assert [(r["cashier_id"], r["subject_id"]) for r in edits] == [(cashier, customer)] * 2
    assert "límite $500.00 → $900.00" in edits[1]["detail"]

    with b.db.read() as conn:
        assert conn.execute(text("SELECT cost FROM sale_lines WHERE sale_id = :id"),
                            {"id": str(sale.sale_id)}).scalar_one() == 1234
        assert conn.execute(text("SELECT refund_to_account FROM sale_returns")).scalar_one() == fiado_part
        assert tuple(conn.execute(text(
            "SELECT cashier_id, shift_id, reference FROM fiado_payments WHERE id = :id"),
            {"id": str(abono.id)}).one()) == (str(cashier), str(shift), "SPEI 42")
        assert conn.execute(text("SELECT count(*) FROM audit_events WHERE action = 'customer_edit'")
                            ).scalar_one() == 2
    # The other till's corte of that shift agrees: only the cash part left the drawer, and
    # the abono counts on the shift it names.
    report = cortes.corte(Till(b.db, b.device), shift)
    assert report.forms[PaymentMethod.CASH].refunds == sale.total - fiado_part
    assert report.forms[PaymentMethod.TRANSFER].abonos == 2_000
