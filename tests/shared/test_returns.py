"""The return rule both sides apply: a sale's own lines, no more than is left of each, no more
credit to the account than the sale put on it."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.returns import (
    RefundSplit,
    ReturnableSale,
    ReturnedQty,
    SoldLine,
    default_split,
    refund_parts,
    return_refusal,
)

pytestmark = pytest.mark.unit

SODA, HAM = uuid.uuid4(), uuid.uuid4()
# Three sodas and 0.750 kg of ham; $50.00 of it on fiado.
SALE = ReturnableSale({1: SoldLine(SODA, 3000), 2: SoldLine(HAM, 750)}, on_fiado=5000)


def code(sale, lines, credit=0):
    refused = return_refusal(sale, lines, credit)
    return None if refused is None else refused.code


def test_a_return_within_what_was_sold_is_taken():
    assert code(SALE, [ReturnedQty(1, SODA, 3000), ReturnedQty(2, HAM, 250)], 5000) is None


def test_a_sale_the_checker_does_not_have_is_refused():
    assert code(None, [ReturnedQty(1, SODA, 1000)]) == "unknown_sale"
    assert code(ReturnableSale(), [ReturnedQty(1, SODA, 1000)]) == "unknown_sale"


@pytest.mark.parametrize("line", [ReturnedQty(3, SODA, 1000), ReturnedQty(1, HAM, 1000),
                                  ReturnedQty(1, None, 1000)])
def test_a_line_that_is_not_the_sales_is_refused(line):
    refused = return_refusal(SALE, [line], 0)
    assert refused is not None
    assert refused.code == "return_line_mismatch"
    assert f"renglón {line.line_no}" in refused.message


def test_more_than_is_left_of_a_line_is_refused_with_what_is_left():
    sale = SALE.after([ReturnedQty(2, HAM, 500)], 0)
    refused = return_refusal(sale, [ReturnedQty(2, HAM, 500)], 0)
    assert refused is not None
    assert refused.code == "over_return"
    assert refused.message == ("El renglón 2 no tiene tanto por devolver: queda 0.250 de "
                               "0.750.")
    assert code(sale, [ReturnedQty(2, HAM, 250)]) is None


def test_one_line_named_twice_in_a_return_counts_both_times():
    assert code(SALE, [ReturnedQty(1, SODA, 2000), ReturnedQty(1, SODA, 2000)]) == "over_return"


def test_the_same_units_returned_twice_are_refused_the_second_time():
    """Two tills offline each cancel the sale; the server takes the first one only."""
    whole = [ReturnedQty(1, SODA, 3000), ReturnedQty(2, HAM, 750)]
    assert code(SALE, whole, 5000) is None
    after = SALE.after(whole, 5000)
    assert code(after, whole, 5000) == "over_return"
    assert (after.credited, after.lines[1].returned_milli) == (5000, 3000)


def test_more_credit_to_the_account_than_the_sale_put_on_it_is_refused():
    assert code(SALE, [ReturnedQty(1, SODA, 1000)], 5001) == "over_credit"
    cash_sale = ReturnableSale({1: SoldLine(SODA, 3000)})
    assert code(cash_sale, [ReturnedQty(1, SODA, 1000)], 100) == "over_credit"
    credited = SALE.after([ReturnedQty(1, SODA, 1000)], 4000)
    assert code(credited, [ReturnedQty(1, SODA, 1000)], 1001) == "over_credit"
    assert code(credited, [ReturnedQty(1, SODA, 1000)], 1000) is None


def test_a_wrong_line_is_named_before_the_credit():
    assert code(SALE, [ReturnedQty(9, SODA, 1000)], 9999) == "return_line_mismatch"


REQUESTS = st.lists(st.tuples(st.sampled_from([1, 2]), st.integers(1, 4000), st.integers(0, 3000)),
                    max_size=12)


@given(REQUESTS)
def test_accepted_returns_never_take_back_more_than_was_sold_or_fiado(requests):
    sale, taken, credit = SALE, {1: 0, 2: 0}, 0
    for line_no, qty, to_account in requests:
        product = SODA if line_no == 1 else HAM
        fits = (taken[line_no] + qty <= SALE.lines[line_no].qty_milli
                and credit + to_account <= SALE.on_fiado)
        refused = return_refusal(sale, [ReturnedQty(line_no, product, qty)], to_account)
        assert (refused is None) == fits
        if refused is None:
            sale = sale.after([ReturnedQty(line_no, product, qty)], to_account)
            taken[line_no] += qty
            credit += to_account
    assert {n: ln.returned_milli for n, ln in sale.lines.items()} == taken
    assert sale.credited == credit <= SALE.on_fiado


# ---- refunds by tender -----------------------------------------------------------------------

CASH, CARD, TRANSFER, FIADO = "efectivo", "tarjeta", "transferencia", "fiado"


def test_the_default_split_goes_to_the_account_first_then_card_transfer_and_cash():
    paid = {FIADO: 3000, CARD: 2000, TRANSFER: 1000, CASH: 500}
    assert default_split(1000, paid, {}) == RefundSplit(account=1000)
    assert default_split(1000, paid, {FIADO: 2500}) == RefundSplit(account=500, card=500)
    assert default_split(6500, paid, {}) == RefundSplit(3000, 2000, 1000, 500)
    assert default_split(1000, {CASH: 1000}, {}) == RefundSplit(cash=1000)
    assert default_split(1000, {CARD: 1000}, {CARD: 400}) == RefundSplit(card=600, cash=400)


@given(st.lists(st.integers(0, 5000), max_size=6), st.dictionaries(
    st.sampled_from([CASH, CARD, TRANSFER, FIADO]), st.integers(0, 5000)))
def test_returns_split_by_default_never_give_a_tender_more_than_it_paid(amounts, paid):
    refunded: dict[str, int] = {}
    for amount in amounts:
        split = default_split(amount, paid, refunded)
        assert split.amount == amount
        for method, part in ((FIADO, split.account), (CARD, split.card),
                             (TRANSFER, split.transfer)):
            refunded[method] = refunded.get(method, 0) + part
            assert refunded[method] <= max(paid.get(method, 0), 0)


def code_of(refused):
    return None if refused is None else refused.code


def test_more_back_to_a_card_than_it_paid_is_refused():
    sale = ReturnableSale({1: SoldLine(SODA, 3000)}, tender_left={CARD: 2000, TRANSFER: 0})
    line = [ReturnedQty(1, SODA, 1000)]
    assert return_refusal(sale, line, 0, {CARD: 2000, TRANSFER: 0}) is None
    refused = return_refusal(sale, line, 0, {CARD: 2001})
    assert refused is not None
    assert refused.code == "over_tender"
    assert refused.message == ("A tarjeta solo se puede devolver lo que se pagó así y no se ha "
                               "devuelto: $20.00.")
    assert code_of(return_refusal(sale, line, 0, {TRANSFER: 1})) == "over_tender"
    after = sale.after(line, 0, {CARD: 1500})
    assert code_of(return_refusal(after, line, 0, {CARD: 501})) == "over_tender"
    assert return_refusal(after, line, 0, {CARD: 500}) is None


def test_where_a_stored_returns_money_went():
    assert refund_parts(CASH, 1000, 0) == {CASH: 1000}
    assert refund_parts(FIADO, 1000, 400) == {FIADO: 400, CASH: 600}
    assert refund_parts(FIADO, 1000, 0) == {FIADO: 1000}  # stored before the account part
    assert refund_parts(CARD, 1000, 0) == {CARD: 1000}  # a card refund from before the split
    assert refund_parts(CARD, 1000, 200, card=500, transfer=100) == {
        FIADO: 200, CARD: 500, TRANSFER: 100, CASH: 200}
    assert refund_parts(CASH, 1000, 0, card=1000) == {CARD: 1000}
