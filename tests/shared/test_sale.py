"""Sale rules: line amounts for pieces and weighed goods, quantity checks, settling payments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import EmptySale, InsufficientPayment, InvalidAmount, InvalidQuantity
from shared.quantity import MAX_QTY_MILLI
from shared.sale import MAX_UNIT_PRICE, Payment, PaymentMethod, Settlement, Tender, line_total, settle

pytestmark = pytest.mark.unit

CASH = PaymentMethod.CASH
CARD = PaymentMethod.CARD
NON_CASH = [PaymentMethod.CARD, PaymentMethod.TRANSFER, PaymentMethod.FIADO]


def cash(amount: int) -> Tender:
    return Tender(CASH, amount)


def applied_total(settlement: Settlement) -> int:
    return sum(p.amount for p in settlement.payments)


# ---- settle: examples ------------------------------------------------------------------------


def test_cash_with_change() -> None:
    settlement = settle(8750, [cash(10000)])
    assert settlement.payments == (Payment(CASH, 8750, 10000),)
    assert settlement.change == 1250


def test_exact_cash_gives_no_change() -> None:
    settlement = settle(8750, [cash(8750)])
    assert settlement.payments == (Payment(CASH, 8750, 8750),)
    assert settlement.change == 0


def test_card_plus_cash() -> None:
    settlement = settle(35000, [Tender(CARD, 20000, reference="AUT-123456"), cash(20000)])
    assert settlement.payments == (
        Payment(CARD, 20000, 20000, "AUT-123456"),
        Payment(CASH, 15000, 20000),
    )
    assert settlement.change == 5000
    assert applied_total(settlement) == 35000


def test_cash_given_first_then_card_still_charges_the_card_in_full() -> None:
    settlement = settle(35000, [cash(20000), Tender(CARD, 20000)])
    assert [(p.method, p.amount, p.tendered) for p in settlement.payments] == [
        (CASH, 15000, 20000),
        (CARD, 20000, 20000),
    ]
    assert settlement.change == 5000


def test_two_cash_tenders_apply_in_order() -> None:
    settlement = settle(15000, [cash(10000), cash(10000)])
    assert [(p.amount, p.tendered) for p in settlement.payments] == [(10000, 10000), (5000, 10000)]
    assert settlement.change == 5000


def test_paying_less_than_the_total_is_refused() -> None:
    with pytest.raises(InsufficientPayment) as info:
        settle(10000, [cash(9950)])
    assert info.value.code == "insufficient_payment"
    assert "$0.50" in info.value.message


def test_card_short_of_the_total_without_cash_is_refused() -> None:
    with pytest.raises(InsufficientPayment, match=r"\$20\.00"):
        settle(10000, [Tender(CARD, 8000)])


def test_no_tenders_is_refused() -> None:
    with pytest.raises(InsufficientPayment, match=r"\$100\.00"):
        settle(10000, [])


@pytest.mark.parametrize("method", NON_CASH)
def test_non_cash_over_the_total_is_refused(method: PaymentMethod) -> None:
    with pytest.raises(InvalidAmount) as info:
        settle(10000, [Tender(method, 10001)])
    assert info.value.code == "invalid_amount"
    assert "exceder el total" in info.value.message


def test_non_cash_tenders_adding_up_over_the_total_are_refused() -> None:
    with pytest.raises(InvalidAmount):
        settle(10000, [Tender(CARD, 6000), Tender(PaymentMethod.TRANSFER, 6000)])


@pytest.mark.parametrize("amount", [0, -1, -10000])
@pytest.mark.parametrize("method", list(PaymentMethod))
def test_zero_or_negative_tenders_are_refused(method: PaymentMethod, amount: int) -> None:
    with pytest.raises(InvalidAmount, match="mayor que cero"):
        settle(10000, [cash(20000), Tender(method, amount)])


@pytest.mark.parametrize("total", [0, -500])
def test_an_empty_ticket_cannot_be_settled(total: int) -> None:
    with pytest.raises(EmptySale) as info:
        settle(total, [cash(1000)])
    assert info.value.code == "empty_sale"


# ---- settle: properties ----------------------------------------------------------------------


@st.composite
def sale_with_tenders(draw: st.DrawFn) -> tuple[int, list[Tender]]:
    """A total and tenders that cover it: some non-cash up to the total, cash for the rest."""
    total = draw(st.integers(min_value=1, max_value=10**9))
    non_cash_amounts = draw(st.lists(st.integers(min_value=1, max_value=total), max_size=3))
    tenders: list[Tender] = []
    left = total
    for amount in non_cash_amounts:
        if amount <= left:
            tenders.append(Tender(draw(st.sampled_from(NON_CASH)), amount))
            left -= amount
    if left > 0 or draw(st.booleans()):
        received = left + draw(st.integers(min_value=0, max_value=10**7))
        split_at = draw(st.integers(min_value=0, max_value=received))
        # Cash sometimes comes in two handfuls (a bill, then coins).
        for part in (split_at, received - split_at):
            if part > 0:
                tenders.append(cash(part))
    tenders = draw(st.permutations(tenders))
    return total, tenders


@given(sale_with_tenders())
def test_applied_payments_add_up_to_the_total(sale: tuple[int, list[Tender]]) -> None:
    total, tenders = sale
    settlement = settle(total, tenders)

    cash_received = sum(t.amount for t in tenders if t.method is CASH)
    cash_due = total - sum(t.amount for t in tenders if t.method is not CASH)
    assert applied_total(settlement) == total
    assert settlement.change == cash_received - cash_due
    assert settlement.change >= 0
    assert [(p.method, p.tendered) for p in settlement.payments] == [
        (t.method, t.amount) for t in tenders
    ]
    for payment in settlement.payments:
        assert 0 <= payment.amount <= payment.tendered
        if payment.method is not CASH:
            assert payment.amount == payment.tendered


@given(
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=1, max_value=10**9),
)
def test_any_cash_short_of_the_total_is_refused(total: int, short_by: int) -> None:
    received = total - short_by
    tenders = [cash(received)] if received > 0 else []
    with pytest.raises(InsufficientPayment):
        settle(total, tenders)


# ---- line_total ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit_price", "qty_milli", "amount"),
    [
        (3000, 333, 999),  # $30.00/kg, 333 g
        (3000, 1000, 3000),
        (1850, 3000, 5550),  # three pieces
        (1, 500, 1),  # half a centavo rounds up
        (1, 499, 0),
        (3, 500, 2),  # 1.5 centavos
        (2990, 250, 748),  # 747.5 → 748
        (0, 1000, 0),  # a free item (promotion) is allowed
        (MAX_UNIT_PRICE, MAX_QTY_MILLI, MAX_UNIT_PRICE * 9_999),
    ],
)
def test_line_total_rounds_half_up_to_the_centavo(
    unit_price: int, qty_milli: int, amount: int
) -> None:
    assert line_total(unit_price, qty_milli) == amount


@given(
    st.integers(min_value=0, max_value=MAX_UNIT_PRICE),
    st.integers(min_value=1, max_value=MAX_QTY_MILLI),
)
def test_line_total_is_within_half_a_centavo(unit_price: int, qty_milli: int) -> None:
    amount = line_total(unit_price, qty_milli)
    assert abs(amount * 1000 - unit_price * qty_milli) <= 500


def test_line_total_refuses_negative_and_absurd_prices() -> None:
    with pytest.raises(InvalidAmount, match="negativo"):
        line_total(-1, 1000)
    with pytest.raises(InvalidAmount, match="demasiado grande"):
        line_total(MAX_UNIT_PRICE + 1, 1000)


def test_line_total_checks_the_quantity() -> None:
    with pytest.raises(InvalidQuantity):
        line_total(1000, 0)
