"""Returns and cancellations: proportional refunds of discounted lines, stock back, fiado
refunds to the customer's account, the audit trail, and refusals."""

from __future__ import annotations

import json
import uuid

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from pos_client.services import accounts, local
from pos_client.services.accounts import CustomerDraft
from pos_client.services.returns import (
    NothingToReturn,
    ReasonRequired,
    refund_share,
    return_sale,
    returnable_lines,
    sale_history,
)
from pos_client.services.sales import record_sale
from pos_client.services.till import Till
from pos_client.store.repositories import catalog, fiado
from pos_client.store.repositories import customers as customers_repo
from shared.clock import utc_now
from shared.errors import InvalidQuantity
from shared.ids import new_uuid7
from shared.returns import ReturnRefused
from shared.sale import PaymentMethod, Tender, line_total
from shared.sync.payloads import (
    FiadoChargePayload,
    SaleLinePayload,
    SalePayload,
    SalePaymentPayload,
    SaleReturnLinePayload,
    SaleReturnPayload,
)
from tests.support.sales import ticket_for

COKE = "7501055300075"  # $22.00, IVA 16 %


def _stock(db, barcode: str) -> int:
    with db.read() as conn:
        product = catalog.by_barcode(conn, barcode)
        return conn.execute(text("SELECT qty_milli FROM stock WHERE product_id = :p"),
                            {"p": str(product.id)}).scalar_one()


def _sell(db, device, pieces: int, discount: int, payments: list[tuple[PaymentMethod, int]],
          customer_id: uuid.UUID | None = None, folio: str = "T1-000900") -> uuid.UUID:
    """A one-line sale of cokes with a line discount, stored as the counter stores it (and, for
    the fiado part, the charge the counter writes to the customer's account)."""
    with db.read() as conn:
        coke = catalog.by_barcode(conn, COKE)
    total = line_total(coke.price, pieces * 1000) - discount
    assert sum(a for _, a in payments) == total
    sale = SalePayload(
        id=new_uuid7(), folio=folio, sold_at=utc_now(), total=total, change=0,
        lines=[SaleLinePayload(line_no=1, product_id=coke.id, name=coke.name,
                               qty_milli=pieces * 1000, unit_price=coke.price, total=total,
                               iva=coke.iva, discount=discount)],
        payments=[SalePaymentPayload(method=m, amount=a, tendered=a) for m, a in payments],
        customer_id=customer_id)
    with db.write() as conn:
        local.save(conn, Till(db, device), "sale", sale)
        fiado = sum(a for m, a in payments if m is PaymentMethod.FIADO)
        if fiado:
            local.save(conn, Till(db, device), "fiado_charge", FiadoChargePayload(
                id=new_uuid7(), customer_id=customer_id, amount=fiado, sale_id=sale.id,
                charged_at=utc_now()))
    return sale.id


def _balance(till: Till, customer_id: uuid.UUID) -> int:
    """What the till says the customer owes, every way it says it."""
    with till.db.read() as conn:
        owed = fiado.balance(conn, customer_id)
        assert customers_repo.account(conn, customer_id).balance == owed
    assert accounts.account(till, customer_id).balance == owed
    assert accounts.statement(till, customer_id).closing_balance == owed
    return owed


def _rows(db, sql: str, **params):
    with db.read() as conn:
        return conn.execute(text(sql), params).all()


def test_partial_return_of_a_discounted_line_refunds_its_share_and_brings_stock_back(
        stocked, device, owner):
    before = _stock(stocked, COKE)
    # 3 cokes at $22.00 with $1.00 off: $65.00, so one coke gives back $21.67 (65/3, half up).
    sale_id = _sell(stocked, device, 3, 100, [(PaymentMethod.CASH, 6500)])
    assert _stock(stocked, COKE) == before - 3000
    first = return_sale(Till(stocked, device), sale_id, "Venía abollada", {1: 1000}, owner.id)
    assert first.amount == 2167
    assert first.refund_method is PaymentMethod.CASH
    assert _stock(stocked, COKE) == before - 2000
    second = return_sale(Till(stocked, device), sale_id, "Otra abollada", {1: 1000}, owner.id)
    rest = return_sale(Till(stocked, device), sale_id, "Cancelación", None, owner.id)
    # Shares are cumulative: 21.67, then 43.33 − 21.67, then what is left; never above $65.00.
    assert [first.amount, second.amount, rest.amount] == [2167, 2166, 2167]
    assert _stock(stocked, COKE) == before
    assert _rows(stocked, "SELECT sum(amount) FROM sale_return_lines")[0][0] == 6500
    entities = [r.entity for r in _rows(stocked, "SELECT entity FROM outbox ORDER BY device_seq")]
    assert entities[-6:] == ["sale_return", "audit_event"] * 3
    audits = _rows(stocked, "SELECT action, cashier_id, subject_id FROM audit_events ORDER BY at")
    assert [(a.action, a.cashier_id, a.subject_id) for a in audits] == [
        ("return", str(owner.id), str(sale_id))] * 2 + [("cancel", str(owner.id), str(sale_id))]
    with pytest.raises(NothingToReturn):
        return_sale(Till(stocked, device), sale_id, "Ya no queda nada")


def test_returning_the_whole_line_gives_back_exactly_its_total(stocked, device):
    sale_id = _sell(stocked, device, 7, 13, [(PaymentMethod.CASH, 7 * 2200 - 13)])
    done = return_sale(Till(stocked, device), sale_id, "Cancelación")
    assert done.amount == 7 * 2200 - 13
    assert _rows(stocked, "SELECT qty_milli, amount FROM sale_return_lines") == [(7000, 15387)]


def test_refund_share_never_sums_above_the_line():
    from pos_client.services.returns import StoredLine
    from shared.tax import IvaRate

    for total, qty in [(1000, 3000), (65, 7000), (99_999, 1234), (1, 3000)]:
        given = back = 0
        for step in [1, 333, 999, 1000, qty]:
            line = StoredLine(1, None, "x", qty, 0, 0, total, IvaRate.GENERAL, 0, True, back, given)
            step = min(step, qty - back)
            if step <= 0:
                break
            given += refund_share(line, step)
            back += step
            assert given <= total
        if back == qty:
            assert given == total


def test_a_fiado_refund_goes_back_to_the_account_not_out_of_the_drawer(stocked, device, owner):
    customer = accounts.save_customer(Till(stocked, device),
                                      CustomerDraft("Don Pepe", credit_limit="1000")).id
    sale_id = _sell(stocked, device, 2, 0, [(PaymentMethod.FIADO, 4400)], customer, "T1-000901")
    assert _balance(Till(stocked, device), customer) == 4400
    done = return_sale(Till(stocked, device), sale_id, "No la quiso", {1: 1000}, owner.id,
                       authorized_by=owner.id)
    assert done.refund_method is PaymentMethod.FIADO
    assert _balance(Till(stocked, device), customer) == 2200
    # The credit is the return itself: no separate payment that could outlive a refused return.
    assert _rows(stocked, "SELECT count(*) FROM fiado_payments") == [(0,)]
    last = accounts.statement(Till(stocked, device), customer).entries[-1]
    assert (last.kind, last.description, last.payment) == ("devolucion", "Devolución de T1-000901", 2200)
    assert [r.entity for r in _rows(stocked, "SELECT entity FROM outbox ORDER BY device_seq")][-2:] \
        == ["sale_return", "audit_event"]
    assert _rows(stocked, "SELECT authorized_by FROM audit_events") == [(str(owner.id),)]


def test_a_mixed_sale_refunds_the_account_first_then_cash(stocked, device):
    customer = accounts.save_customer(Till(stocked, device), CustomerDraft("Doña Lupe")).id
    # 4 cokes, $88.00: $30.00 on fiado, $58.00 cash.
    sale_id = _sell(stocked, device, 4, 0, [(PaymentMethod.FIADO, 3000), (PaymentMethod.CASH, 5800)],
                    customer, "T1-000902")
    first = return_sale(Till(stocked, device), sale_id, "Sobraron", {1: 1000})  # $22.00: all to account
    assert (first.amount, first.refund_method, first.refund_to_account) == (2200, PaymentMethod.FIADO, 2200)
    assert _balance(Till(stocked, device), customer) == 800
    second = return_sale(Till(stocked, device), sale_id, "Sobraron", {1: 2000})  # $44: $8 account, $36 cash
    assert (second.amount, second.refund_method, second.refund_to_account) == (
        4400, PaymentMethod.CASH, 800)
    assert _balance(Till(stocked, device), customer) == 0
    third = return_sale(Till(stocked, device), sale_id, "Cancelación")
    assert (third.amount, third.refund_method, third.refund_to_account) == (2200, PaymentMethod.CASH, 0)
    assert _balance(Till(stocked, device), customer) == 0  # nothing more is taken off the account
    assert _rows(stocked, "SELECT amount, refund_to_account FROM sale_returns ORDER BY returned_at") \
        == [(2200, 2200), (4400, 800), (2200, 0)]
    sent = [json.loads(r.body)["payload"]["refund_to_account"] for r in _rows(
        stocked, "SELECT body FROM outbox WHERE entity = 'sale_return' ORDER BY device_seq")]
    assert sent == [2200, 800, 0]


@pytest.mark.parametrize(("method", "to_account", "amount"), [
    (PaymentMethod.FIADO, 0, 2200),  # a fiado refund that credits nothing
    (PaymentMethod.CASH, 2201, 2200),  # more to the account than was returned
])
def test_a_refund_split_that_does_not_add_up_is_refused(method, to_account, amount):
    with pytest.raises(ValidationError):
        SaleReturnPayload(
            id=new_uuid7(), sale_id=new_uuid7(), amount=amount, refund_method=method, reason="x",
            refund_to_account=to_account, returned_at=utc_now(),
            lines=[SaleReturnLinePayload(line_no=1, product_id=None, qty_milli=1000, amount=amount)])


@pytest.mark.parametrize(("reason", "quantities", "error"), [
    ("   ", {1: 1000}, ReasonRequired),
    ("x" * 201, {1: 1000}, ReasonRequired),
    ("Motivo", {1: 4000}, ReturnRefused),  # over_return
    ("Motivo", {1: -1000}, InvalidQuantity),
    ("Motivo", {2: 1000}, ReturnRefused),  # return_line_mismatch
    ("Motivo", {1: 0}, NothingToReturn),
])
def test_bad_returns_are_refused_and_write_nothing(stocked, device, reason, quantities, error):
    sale = record_sale(Till(stocked, device), ticket_for(stocked, COKE, 3),
                       [Tender(PaymentMethod.CASH, 10_000)])
    outbox_before = len(_rows(stocked, "SELECT 1 FROM outbox"))
    with pytest.raises(error) as refused:
        return_sale(Till(stocked, device), sale.sale_id, reason, quantities)
    assert refused.value.message  # a Spanish sentence for the cashier
    assert _rows(stocked, "SELECT count(*) FROM sale_returns")[0][0] == 0
    assert len(_rows(stocked, "SELECT 1 FROM outbox")) == outbox_before


def test_unknown_sale_is_refused(stocked, device):
    with pytest.raises(NothingToReturn):
        return_sale(Till(stocked, device), uuid.uuid4(), "Motivo")


def test_history_shows_status_and_finds_by_folio(stocked, device, owner):
    a = record_sale(Till(stocked, device), ticket_for(stocked, COKE, 2), [Tender(PaymentMethod.CASH, 4400)])
    b = record_sale(Till(stocked, device), ticket_for(stocked, COKE, 1), [Tender(PaymentMethod.CASH, 2200)])
    c = record_sale(Till(stocked, device), ticket_for(stocked, COKE, 1), [Tender(PaymentMethod.CASH, 2200)])
    return_sale(Till(stocked, device), a.sale_id, "Una", {1: 1000})
    return_sale(Till(stocked, device), b.sale_id, "Toda")
    till = Till(stocked, device)
    rows = {r.folio: r for r in sale_history(till).rows}
    assert (rows[a.folio].status, rows[a.folio].returned) == ("devuelta", 2200)
    assert (rows[b.folio].status, rows[b.folio].returned) == ("cancelada", 2200)
    assert rows[c.folio].status == ""
    number = str(int(b.folio.rsplit("-", 1)[1]))
    assert [r.folio for r in sale_history(till, number).rows] == [b.folio]
    assert [r.folio for r in sale_history(till, c.folio).rows] == [c.folio]
    assert sale_history(till, "no-existe").rows == []
    left = returnable_lines(till, a.sale_id)
    assert [(ln.qty_milli, ln.qty_left, ln.returned_amount) for ln in left] == [(2000, 1000, 2200)]
