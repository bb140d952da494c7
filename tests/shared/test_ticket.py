"""The ticket at the counter: adding, merging, changing and removing lines, and its totals."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.errors import InvalidAmount, InvalidQuantity
from shared.quantity import MAX_QTY_MILLI
from shared.sale import MAX_LINES, MAX_UNIT_PRICE, line_total
from shared.tax import IvaRate
from shared.ticket import Ticket, TicketLine

pytestmark = pytest.mark.unit

COCA = uuid.UUID("0190a000-0000-7000-8000-000000000001")
SABRITAS = uuid.UUID("0190a000-0000-7000-8000-000000000002")
JAMON = uuid.UUID("0190a000-0000-7000-8000-000000000003")


def piece(
    product_id: uuid.UUID | None, price: int, pieces: int = 1, name: str = "Coca 600"
) -> TicketLine:
    return TicketLine(product_id, name, price, pieces * 1000, IvaRate.GENERAL)


def weighed(product_id: uuid.UUID, price_per_kg: int, grams: int) -> TicketLine:
    return TicketLine(
        product_id, "Jamón", price_per_kg, grams, IvaRate.TASA_CERO, sold_by_weight=True
    )


# ---- add -------------------------------------------------------------------------------------


def test_scanning_a_piece_item_again_raises_its_quantity() -> None:
    ticket = Ticket()
    first = ticket.add(piece(COCA, 1800))
    second = ticket.add(piece(COCA, 1800, pieces=2))
    assert first == second == 0
    assert len(ticket) == 1
    assert ticket.lines[0].qty_milli == 3000
    assert ticket.total == 5400


def test_merging_keeps_other_lines_in_place() -> None:
    ticket = Ticket()
    ticket.add(piece(COCA, 1800))
    ticket.add(piece(SABRITAS, 2100, name="Sabritas"))
    assert ticket.add(piece(COCA, 1800)) == 0
    assert [(ln.product_id, ln.qty_milli) for ln in ticket.lines] == [
        (COCA, 2000),
        (SABRITAS, 1000),
    ]


def test_weighed_items_are_not_merged() -> None:
    ticket = Ticket()
    assert ticket.add(weighed(JAMON, 18000, 250)) == 0
    assert ticket.add(weighed(JAMON, 18000, 250)) == 1
    assert [ln.qty_milli for ln in ticket.lines] == [250, 250]
    assert ticket.total == 9000


def test_items_without_a_product_are_not_merged() -> None:
    ticket = Ticket()
    ticket.add(piece(None, 1000, name="Varios"))
    ticket.add(piece(None, 1000, name="Varios"))
    assert len(ticket) == 2


def test_a_piece_item_at_a_different_price_gets_its_own_line() -> None:
    ticket = Ticket()
    ticket.add(piece(COCA, 1800))
    ticket.add(piece(COCA, 1500))  # price changed on the shelf while the ticket was open
    assert [(ln.unit_price, ln.qty_milli) for ln in ticket.lines] == [(1800, 1000), (1500, 1000)]


def test_a_merge_past_the_quantity_limit_is_refused_and_leaves_the_line_alone() -> None:
    ticket = Ticket()
    ticket.add(piece(COCA, 1800, pieces=9_000))
    with pytest.raises(InvalidQuantity):
        ticket.add(piece(COCA, 1800, pieces=1_000))
    assert ticket.lines[0].qty_milli == 9_000_000


@pytest.mark.parametrize("qty_milli", [0, -1000, MAX_QTY_MILLI + 1000])
def test_add_refuses_bad_quantities(qty_milli: int) -> None:
    ticket = Ticket()
    with pytest.raises(InvalidQuantity):
        ticket.add(TicketLine(COCA, "Coca 600", 1800, qty_milli, IvaRate.GENERAL))
    assert len(ticket) == 0


@pytest.mark.parametrize("price", [-1, MAX_UNIT_PRICE + 1])
def test_add_refuses_bad_prices(price: int) -> None:
    ticket = Ticket()
    with pytest.raises(InvalidAmount):
        ticket.add(piece(COCA, price))
    assert len(ticket) == 0


def test_add_refuses_a_fractional_quantity_of_a_piece_item() -> None:
    # set_quantity refuses 1.5 pieces, and so does a second scan of the same product; the first
    # add of a line must follow the same rule or the ticket holds half a soda.
    ticket = Ticket()
    with pytest.raises(InvalidQuantity, match="por pieza"):
        ticket.add(TicketLine(COCA, "Coca 600", 1800, 1500, IvaRate.GENERAL))
    assert len(ticket) == 0


def test_a_ticket_holds_at_most_max_lines() -> None:
    ticket = Ticket()
    for _ in range(MAX_LINES):
        ticket.add(weighed(JAMON, 18000, 100))
    with pytest.raises(InvalidQuantity, match=str(MAX_LINES)):
        ticket.add(weighed(JAMON, 18000, 100))
    assert len(ticket) == MAX_LINES


# ---- set_quantity, remove, clear -------------------------------------------------------------


def test_set_quantity_refuses_fractional_pieces() -> None:
    ticket = Ticket()
    ticket.add(piece(COCA, 1800))
    with pytest.raises(InvalidQuantity, match="por pieza") as info:
        ticket.set_quantity(0, 1500)
    assert info.value.code == "invalid_quantity"
    assert ticket.lines[0].qty_milli == 1000


def test_set_quantity_accepts_grams_for_weighed_items() -> None:
    ticket = Ticket()
    ticket.add(weighed(JAMON, 18000, 250))
    ticket.set_quantity(0, 333)
    assert ticket.lines[0].qty_milli == 333
    assert ticket.total == line_total(18000, 333) == 5994


@pytest.mark.parametrize("qty_milli", [0, -1000, MAX_QTY_MILLI + 1000])
def test_set_quantity_refuses_bad_quantities(qty_milli: int) -> None:
    ticket = Ticket()
    ticket.add(piece(COCA, 1800))
    with pytest.raises(InvalidQuantity):
        ticket.set_quantity(0, qty_milli)
    assert ticket.lines[0].qty_milli == 1000


def test_set_quantity_changes_the_total() -> None:
    ticket = Ticket()
    ticket.add(piece(COCA, 1800))
    ticket.set_quantity(0, 4000)
    assert ticket.total == 7200


def test_remove_and_clear() -> None:
    ticket = Ticket()
    ticket.add(piece(COCA, 1800))
    ticket.add(piece(SABRITAS, 2100, name="Sabritas"))
    ticket.add(weighed(JAMON, 18000, 500))
    ticket.remove(1)
    assert [ln.product_id for ln in ticket.lines] == [COCA, JAMON]
    assert ticket.total == 1800 + 9000
    ticket.clear()
    assert len(ticket) == 0
    assert ticket.total == 0
    assert ticket.taxes.by_rate == {}


def test_taxes_of_a_mixed_ticket() -> None:
    ticket = Ticket()
    ticket.add(piece(COCA, 1160, pieces=10))  # $116.00 at 16%
    ticket.add(weighed(JAMON, 10000, 500))  # $50.00 at 0%
    taxes = ticket.taxes
    assert ticket.total == 16600
    assert taxes.total == 16600
    assert taxes.iva == 1600
    assert taxes.by_rate[IvaRate.TASA_CERO].iva == 0


# ---- properties ------------------------------------------------------------------------------

WEIGHED_PRODUCTS = [uuid.UUID(int=(7 << 76) | n) for n in range(1, 3)]
PIECE_PRODUCTS = [uuid.UUID(int=(7 << 76) | n) for n in range(3, 7)]


@st.composite
def ticket_lines(draw: st.DrawFn) -> TicketLine:
    """A line as the counter makes it: a product is always weighed or always sold by piece."""
    product_id = draw(st.sampled_from([None, *WEIGHED_PRODUCTS, *PIECE_PRODUCTS]))
    by_weight = product_id in WEIGHED_PRODUCTS or (product_id is None and draw(st.booleans()))
    qty = (
        draw(st.integers(min_value=1, max_value=20_000))
        if by_weight
        else draw(st.integers(min_value=1, max_value=20)) * 1000
    )
    return TicketLine(
        product_id=product_id,
        name="Producto",
        list_price=draw(st.sampled_from([0, 1, 999, 1850, 2990, 10000, MAX_UNIT_PRICE])),
        qty_milli=qty,
        iva=draw(st.sampled_from(list(IvaRate))),
        ieps_bp=draw(st.sampled_from([0, 800, 2500, 5300])),
        sold_by_weight=by_weight,
    )


def expected_lines(added: list[TicketLine]) -> list[tuple[uuid.UUID | None, int, int]]:
    """A model of the ticket: piece items with the same product and price share one line."""
    rows: list[tuple[uuid.UUID | None, int, int]] = []
    for line in added:
        mergeable = not line.sold_by_weight and line.product_id is not None
        key = (line.product_id, line.unit_price)
        same = [i for i, (pid, price, _) in enumerate(rows) if (pid, price) == key]
        if mergeable and same:
            pid, price, qty = rows[same[0]]
            rows[same[0]] = (pid, price, qty + line.qty_milli)
        else:
            rows.append((line.product_id, line.unit_price, line.qty_milli))
    return rows


@settings(max_examples=200, deadline=None)
@given(st.lists(ticket_lines(), max_size=40))
def test_lines_match_a_model_of_merging(added: list[TicketLine]) -> None:
    ticket = Ticket()
    for line in added:
        ticket.add(line)
    rows = [(ln.product_id, ln.unit_price, ln.qty_milli) for ln in ticket.lines]
    assert rows == expected_lines(added)


@settings(max_examples=200, deadline=None)
@given(st.lists(ticket_lines(), max_size=40))
def test_totals_and_taxes_agree(added: list[TicketLine]) -> None:
    ticket = Ticket()
    for line in added:
        ticket.add(line)
    expected_total = sum(line_total(price, qty) for _, price, qty in expected_lines(added))
    taxes = ticket.taxes
    assert ticket.total == expected_total
    assert ticket.total == sum(ln.total for ln in ticket.lines)
    assert taxes.total == ticket.total
    assert sum(s.base + s.ieps + s.iva for s in taxes.by_rate.values()) == ticket.total
    assert set(taxes.by_rate) == {ln.iva for ln in ticket.lines}


@pytest.mark.parametrize(("typed", "bp"), [("10", 1000), ("12.5", 1250), ("7,25", 725), ("0", 0),
                                           (" 100 ", 10000)])
def test_a_typed_percentage_is_read_as_digits(typed, bp):
    from shared.ticket import parse_percent

    assert parse_percent(typed) == bp


@pytest.mark.parametrize("typed", ["", "inf", "1e3", "10.123", "-5", "1000", "diez", "١٠"])
def test_a_bad_percentage_is_refused_in_spanish(typed):
    from shared.errors import InvalidAmount
    from shared.ticket import parse_percent

    with pytest.raises(InvalidAmount, match="no es un porcentaje válido"):
        parse_percent(typed)
