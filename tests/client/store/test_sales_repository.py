"""A stored sale as the history, returns and the ticket read it (store/repositories/sales.py), on
a real SQLite store filled through the real use cases."""

from __future__ import annotations

import uuid

import pytest

from pos_client.services.returns import return_sale
from pos_client.services.sales import SaleContext, record_sale
from pos_client.services.till import Till
from pos_client.store.repositories import sales
from shared.permissions import Role
from shared.sale import PaymentMethod, Tender
from tests.support.builders import cashier
from tests.support.sales import ticket_for

pytestmark = pytest.mark.unit

COKE, WATER = "7501055300075", "7501055003068"  # $22.00 and $11.00


def test_a_sale_reads_back_with_its_lines_payments_and_returns(stocked, device):
    till = Till(stocked, device)
    owner = cashier(Till(stocked, device), "Doña Mary", Role.OWNER, "1234").id
    ticket = ticket_for(stocked, COKE, 3)
    ticket.add(ticket_for(stocked, WATER, 2).lines[0])
    sold = record_sale(till, ticket, [Tender(PaymentMethod.CARD, 5000, "AUT1"),
                                      Tender(PaymentMethod.CASH, 5000)], SaleContext(cashier_id=owner))
    return_sale(till, sold.sale_id, "Abollada", {1: 1000}, owner)
    return_sale(till, sold.sale_id, "Cancelación", None, owner)
    with stocked.read() as tx:
        head = sales.head(tx, sold.sale_id)
        lines = sales.lines_of(tx, sold.sale_id)
        payments = sales.payments_of(tx, sold.sale_id)
        back = sales.returns_of(tx, sold.sale_id)
        refunds = sales.refunds(tx, sold.sale_id)
        assert sales.head(tx, uuid.uuid4()) is None
    assert (head.folio, head.total, head.change, head.cashier, head.customer) == (
        sold.folio, 8800, 1200, "Doña Mary", None)
    assert [(ln.line_no, ln.qty_milli, ln.returned_qty, ln.qty_left) for ln in lines] == [
        (1, 3000, 3000, 0), (2, 2000, 2000, 0)]
    assert [(p.method, p.amount, p.tendered, p.reference) for p in payments] == [
        ("tarjeta", 5000, 5000, "AUT1"), ("efectivo", 3800, 5000, None)]
    assert [(r.reason, r.amount, r.lines) for r in back] == [
        ("Abollada", 2200, ((1, 1000, 2200),)),
        ("Cancelación", 6600, ((1, 2000, 4400), (2, 2000, 2200)))]
    assert refunds == (8800, 0)


def test_the_history_filters_by_folio_ending_or_containing_text_literally(stocked, device):
    till = Till(stocked, device)
    first = record_sale(till, ticket_for(stocked, COKE), [Tender(PaymentMethod.CASH, 2200)])
    second = record_sale(till, ticket_for(stocked, COKE), [Tender(PaymentMethod.CASH, 2200)])
    with stocked.read() as tx:
        assert [r.folio for r in sales.history(tx)] == [second.folio, first.folio]
        ending = first.folio[-7:]  # "-000001"
        assert [r.folio for r in sales.history(tx, folio_ending=ending)] == [first.folio]
        assert [r.folio for r in sales.history(tx, folio_containing="%")] == []  # not a wildcard
        assert [r.folio for r in sales.history(tx, folio_containing="_")] == []
        assert len(sales.history(tx, limit=1)) == 1
