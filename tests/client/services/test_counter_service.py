"""The counter's use cases without a window: a scan or a scale label found, a search, tickets on
hold (on disk, at the till's clock, at most 20), a product created at the till by someone allowed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from pos_client.services import cortes, counter
from pos_client.services.staff import NotAllowed
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import Device
from shared.errors import DomainError
from shared.permissions import Role
from shared.scale import ean13_check_digit
from shared.tax import IvaRate
from shared.ticket import Ticket
from tests.support.builders import cashier
from tests.support.sales import ticket_for

COKE, BEANS = "7501055300075", "1001"  # $22.00 a piece; $38.00/kg by weight

pytestmark = pytest.mark.unit


def _label(prefix: int, plu: str, value: int) -> str:
    first12 = f"{prefix}{plu}{value:05d}"
    return first12 + str(ean13_check_digit(first12))


@pytest.fixture
def till(stocked: Database, device: Device) -> Till:
    return Till(stocked, device, now=lambda: datetime(2026, 3, 1, 18, 5, tzinfo=UTC))


def test_a_barcode_a_weight_label_and_a_price_label_are_found(till):
    assert counter.lookup(till, COKE).product.name == "Coca-Cola 600 ml"
    weighed = counter.lookup(till, _label(20, "01001", 750))  # the PLU with its leading zero
    assert (weighed.product.name, weighed.grams, weighed.label_price) == (
        "Frijol negro a granel", 750, None)
    priced = counter.lookup(till, _label(26, "01001", 4590))
    assert (priced.grams, priced.label_price) == (None, 4590)
    assert counter.lookup(till, "7509999999999") == counter.Scanned(None)
    assert counter.lookup(till, _label(20, "09999", 750)).product is None


def test_a_search_narrows_by_words_or_by_code(till):
    assert [p.name for p in counter.search(till, "coca sin")] == ["Coca-Cola Sin Azúcar 600 ml"]
    assert {p.barcode for p in counter.search(till, "750105500306")} == {
        "7501055003068"}
    assert len(counter.search(till, "", limit=5)) == 5


def test_a_parked_ticket_waits_on_disk_and_comes_back_once(till, stocked):
    ticket = ticket_for(stocked, COKE, 3)
    parked_id = counter.park(till, ticket, "  Señora del mandil  ")
    [waiting] = counter.parked_tickets(till)
    assert (waiting.id, waiting.label, waiting.lines, waiting.total) == (
        parked_id, "Señora del mandil", 1, 6600)
    assert waiting.parked_at == till.now()  # the till's clock, not the computer's
    back = counter.resume(till, parked_id)
    assert [(ln.name, ln.qty_milli) for ln in back.lines] == [("Coca-Cola 600 ml", 3000)]
    assert counter.parked_tickets(till) == []
    with pytest.raises(DomainError) as gone:
        counter.resume(till, parked_id)
    assert gone.value.code == "not_parked"


def test_no_more_than_twenty_tickets_wait(till, stocked):
    for n in range(counter.MAX_PARKED):
        counter.park(till, ticket_for(stocked, COKE), f"Cliente {n}")
    with pytest.raises(counter.TooManyParked):
        counter.park(till, ticket_for(stocked, COKE), "Uno más")
    assert len(counter.parked_tickets(till)) == counter.MAX_PARKED

    counter.resume(till, counter.parked_tickets(till)[0].id)
    with pytest.raises(DomainError) as empty:
        counter.park(till, Ticket(), "Vacío")
    assert empty.value.code == "empty_sale"
    assert len(counter.parked_tickets(till)) == counter.MAX_PARKED - 1


def test_a_product_created_at_the_till_needs_someone_allowed(till, stocked, device):
    pepe = cashier(Till(stocked, device), "Pepe", Role.CASHIER, "0000").id
    boss = cashier(Till(stocked, device), "Doña Mary", Role.OWNER, "1234").id
    with pytest.raises(NotAllowed):
        counter.create_product_at_counter(
            till, barcode="7509876543210", name="Chicles", price=500, iva=IvaRate.GENERAL,
            sold_by_weight=False, cashier_id=pepe, authorized_by=None)
    assert counter.lookup(till, "7509876543210").product is None
    made = counter.create_product_at_counter(
        till, barcode="7509876543210", name=" Chicles ", price=500, iva=IvaRate.GENERAL,
        sold_by_weight=False, cashier_id=pepe, authorized_by=boss)
    assert (made.name, made.price, made.barcode) == ("Chicles", 500, "7509876543210")
    with stocked.read() as conn:
        audit = conn.execute(text("SELECT action, cashier_id, authorized_by, subject_id "
                                  "FROM audit_events")).all()
    assert audit == [("catalog_edit", str(pepe), str(boss), str(made.id))]
    with pytest.raises(DomainError) as taken:
        counter.create_product_at_counter(
            till, barcode="7509876543210", name="Otro", price=100, iva=IvaRate.GENERAL,
            sold_by_weight=False, cashier_id=boss, authorized_by=None)
    assert taken.value.code == "barcode_taken"


def test_a_cashier_who_logs_in_gets_the_matrix_and_the_open_shift(till, stocked, device):
    owner = cashier(Till(stocked, device), "Doña Mary", Role.OWNER, "1234").id
    assert counter.session_for(till).shift_id is None
    shift = cortes.open_shift(till, 50_000, owner)
    found = counter.session_for(till)
    assert found.shift_id == shift
    assert Role.OWNER in found.matrix
    assert isinstance(found.shift_id, uuid.UUID)
