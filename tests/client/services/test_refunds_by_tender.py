"""Refunds by tender at the till: a return goes back the way the sale was paid unless the
cashier splits it, never more to a card or a transfer than was paid that way; it names the
open shift, and the corte counts it by that shift (by till and time only for old returns);
cash movements name their cashier."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from pos_client.receipts.text import render_text
from pos_client.services import cortes, returns, tickets
from pos_client.services.returns import RefundChoice
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from pos_client.store.apply import apply_change
from pos_client.store.schema import cash_movements, sale_returns
from shared.clock import utc_now
from shared.errors import InvalidAmount
from shared.ids import new_uuid7
from shared.returns import ReturnRefused
from shared.sale import PaymentMethod
from shared.sync.envelopes import make_change
from shared.sync.payloads import SaleReturnLinePayload, SaleReturnPayload
from tests.support import ledger

CASH, CARD, TRANSFER, FIADO = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER,
                               PaymentMethod.FIADO)


def _stored(till: Till, return_id: uuid.UUID) -> tuple:  # type: ignore[type-arg]
    r = sale_returns.c
    with till.db.read() as conn:
        return tuple(conn.execute(
            select(r.refund_method, r.amount, r.refund_to_account, r.refund_card,
                   r.refund_transfer, r.refund_reference, r.shift_id)
            .where(r.id == str(return_id))).one())


def test_a_card_sale_goes_back_to_the_card_and_leaves_the_drawer_alone(
    till: Till, owner: Cashier
) -> None:
    shift = cortes.open_shift(till, 50_000, owner.id)
    sale = ledger.sale(till, [(CARD, 6_000, 6_000), (CASH, 4_000, 5_000)], shift_id=shift)
    back = returns.return_sale(till, sale, "No le quedó", {1: 1000}, owner.id)
    # $100: card first (up to the $60 it paid), the other $40 in cash.
    assert (back.refund_card, back.refund_transfer, back.refund_to_account) == (6_000, 0, 0)
    assert (back.refund_method, back.shift_id) == (CARD, shift)
    assert _stored(till, back.id) == ("tarjeta", 10_000, 0, 6_000, 0, None, str(shift))
    report = cortes.corte(till, shift)
    assert (report.forms[CARD].refunds, report.forms[CASH].refunds) == (6_000, 4_000)
    assert report.expected(CASH) == 50_000  # float + $40 cash sale − $40 cash refund
    assert report.expected(CARD) == 0


def test_the_cashier_splits_a_refund_within_what_each_tender_paid(
    till: Till, owner: Cashier
) -> None:
    shift = cortes.open_shift(till, 50_000, owner.id)
    sale = ledger.sale(till, [(CARD, 3_000, 3_000), (TRANSFER, 2_000, 2_000),
                              (CASH, 5_000, 5_000)], shift_id=shift)
    with pytest.raises(ReturnRefused) as over:
        returns.return_sale(till, sale, "x", {1: 1000}, owner.id,
                            refund=RefundChoice(card=3_001))
    assert over.value.code == "over_tender"
    with pytest.raises(InvalidAmount):  # more than goes back at all
        returns.return_sale(till, sale, "x", {1: 1000}, owner.id,
                            refund=RefundChoice(card=3_000, transfer=2_000 + 5_001))
    with pytest.raises(InvalidAmount):  # a reference with nothing to the card
        returns.return_sale(till, sale, "x", {1: 1000}, owner.id,
                            refund=RefundChoice(reference="AUT 77"))
    with till.db.read() as conn:
        assert conn.execute(select(sale_returns)).all() == []
    # Terminal down: the cashier gives the card part back in cash, the transfer by SPEI.
    back = returns.return_sale(till, sale, "Cancelación", None, owner.id,
                               refund=RefundChoice(transfer=2_000, reference=" SPEI  88 "))
    assert _stored(till, back.id) == ("efectivo", 10_000, 0, 0, 2_000, "SPEI 88", str(shift))
    report = cortes.corte(till, shift)
    assert (report.forms[CASH].refunds, report.forms[TRANSFER].refunds,
            report.forms[CARD].refunds) == (8_000, 2_000, 0)
    assert report.expected(CASH) == 50_000 + 5_000 - 8_000


def test_a_later_return_gives_a_card_only_what_is_left_of_it(till: Till, owner: Cashier) -> None:
    sale = ledger.sale(till, [(CARD, 3_000, 3_000), (CASH, 1_000, 1_000)])
    with till.db.write() as conn:
        conn.exec_driver_sql("UPDATE sale_lines SET qty_milli = 4000, unit_price = 1000")
    first = returns.return_sale(till, sale, "x", {1: 2000}, owner.id,
                                refund=RefundChoice(card=2_000))
    assert first.refund_card == 2_000
    with pytest.raises(ReturnRefused) as over:
        returns.return_sale(till, sale, "x", {1: 2000}, owner.id, refund=RefundChoice(card=1_001))
    assert "$10.00" in over.value.message
    second = returns.return_sale(till, sale, "x", {1: 1000}, owner.id)
    assert (second.refund_card, second.amount) == (1_000, 1_000)  # the $10 left on the card
    third = returns.return_sale(till, sale, "x", {1: 1000}, owner.id)
    assert (third.refund_card, third.amount - third.refund_card) == (0, 1_000)  # now cash


def test_the_corte_counts_returns_by_their_shift_not_by_the_clock(
    till: Till, owner: Cashier
) -> None:
    shift = cortes.open_shift(till, 50_000, owner.id)
    sale = ledger.sale(till, [(CASH, 9_000, 9_000)], shift_id=shift)
    # The till's clock was stepped back an hour after the shift opened: by time, this return
    # would fall before the shift and out of its corte.
    stepped = Till(till.db, till.device, now=lambda: utc_now() - timedelta(hours=1))
    back = returns.return_sale(stepped, sale, "Reloj atrasado", {1: 1000}, owner.id)
    assert back.shift_id == shift
    # Another till's return paid from this drawer names this shift; one that names another
    # shift does not count here even though it is this till's and in the window; an old one
    # (no shift named) made on this till in the window still counts, by time.
    mine, another = till.device.device_id, uuid.uuid4()
    for n, (named, amount, origin) in enumerate(
            [(shift, 1_000, another), (new_uuid7(), 2_000, mine), (None, 500, mine)], start=1):
        other = SaleReturnPayload(
            id=new_uuid7(), sale_id=sale, amount=amount, refund_method=CASH, reason="Otra caja",
            lines=[SaleReturnLinePayload(line_no=1, product_id=None, qty_milli=1, amount=amount)],
            returned_at=utc_now(), shift_id=named)
        with till.db.write() as conn:
            apply_change(conn, make_change("sale_return", other, change_id=new_uuid7(),
                                           device_seq=n, hlc=n, created_at=utc_now()), origin)
    report = cortes.corte(till, shift)
    assert report.forms[CASH].refunds == 9_000 + 1_000 + 500
    assert report.returns_count == 3


def test_a_cash_movement_names_its_cashier(till: Till, owner: Cashier) -> None:
    shift = cortes.open_shift(till, 50_000, owner.id)
    moved = cortes.move_cash(till, shift, "entrada", 2_000, "Cambio", cashier_id=owner.id)
    with till.db.read() as conn:
        row = conn.execute(select(cash_movements.c.cashier_id, cash_movements.c.shift_id)
                           .where(cash_movements.c.id == str(moved))).one()
    assert tuple(row) == (str(owner.id), str(shift))


def test_the_ticket_says_where_a_refund_went_with_the_reference(till: Till, owner: Cashier) -> None:
    cash_only = ledger.sale(till, [(CASH, 3_000, 3_000)])
    returns.return_sale(till, cash_only, "Caducado", None, owner.id)
    assert "A la cuenta" not in render_text(tickets.receipt(till, cash_only))
    assert "Ref." not in render_text(tickets.receipt(till, cash_only))  # all cash: as ever
    sale = ledger.sale(till, [(CARD, 6_000, 6_000), (CASH, 4_000, 4_000)])
    returns.return_sale(till, sale, "Cancelación", None, owner.id,
                        refund=RefundChoice(card=5_000, reference="AUT 77"))
    printed = [" ".join(line.split()) for line in
               render_text(tickets.receipt(till, sale)).splitlines()]
    assert "Tarjeta $50.00" in printed
    assert "Efectivo $50.00" in printed
    assert "Ref. AUT 77" in printed
