"""The return rule both sides apply: a sale's own lines, no more than is left of each, no more
credit to the account than the sale put on it."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.returns import ReturnableSale, ReturnedQty, SoldLine, return_refusal

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
