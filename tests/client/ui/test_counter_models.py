"""The counter's table models, fed plain rows and read without a window (as Vorta tests them):
the product list, the ticket, the sales history and the changes needing attention."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from pos_client.services.counter import Product
from pos_client.services.returns import HistoryRow
from pos_client.services.sync_queue import Rejected
from pos_client.ui.models import ProductsModel, TicketModel
from pos_client.ui.qt import Qt
from pos_client.ui.sales_history import HistoryModel
from pos_client.ui.sync_dialogs import RejectedModel
from shared.tax import IvaRate
from shared.ticket import Ticket, TicketLine

pytestmark = pytest.mark.unit

SHOWN = Qt.ItemDataRole.DisplayRole
RIGHT = Qt.ItemDataRole.TextAlignmentRole


def _row(model, row: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.data(model.index(row, col), SHOWN) for col in range(model.columnCount())]


def _product(name: str, price: int, stock_milli: int, by_weight: bool = False) -> Product:
    return Product(uuid.uuid4(), name, price, IvaRate.GENERAL, 0, by_weight, None, "7501", stock_milli)


def test_the_product_list_shows_code_name_price_and_stock():
    model = ProductsModel()
    assert model.rowCount() == 0
    model.set_rows([_product("Coca-Cola 600 ml", 2200, 12_000),
                    _product("Frijol a granel", 3800, -250, by_weight=True)])
    assert model.rowCount() == 2
    assert model.rowCount(model.index(0, 0)) == 0
    assert [model.headerData(c, Qt.Orientation.Horizontal, SHOWN) for c in range(4)] == [
        "Código", "Producto", "Precio", "Existencia"]
    assert _row(model, 0) == ["7501", "Coca-Cola 600 ml", "$22.00", "12"]
    assert _row(model, 1) == ["7501", "Frijol a granel", "$38.00 /kg", "-0.250 kg"]
    assert model.data(model.index(0, 2), RIGHT) is not None
    assert model.data(model.index(0, 1), RIGHT) is None
    assert model.product(1).name == "Frijol a granel"


def test_the_ticket_shows_quantities_mayoreo_and_discounts():
    ticket = Ticket()
    ticket.add(TicketLine(uuid.uuid4(), "Coca-Cola 600 ml", 2200, 12_000, IvaRate.GENERAL,
                          wholesale_price=2000, wholesale_min_milli=12_000))
    ticket.add(TicketLine(uuid.uuid4(), "Jamón", 16_000, 333, IvaRate.TASA_CERO, sold_by_weight=True))
    ticket.set_discount(1, 100)
    model = TicketModel(ticket)
    assert _row(model, 0) == ["12", "Coca-Cola 600 ml · mayoreo", "$20.00", "$240.00"]
    assert _row(model, 1) == ["0.333 kg", "Jamón · desc. −$1.00", "$160.00", "$52.28"]
    ticket.remove(0)
    model.refresh()
    assert model.rowCount() == 1


def test_the_history_shows_times_in_the_shops_zone_and_the_status():
    model = HistoryModel()
    model.zone = ZoneInfo("America/Tijuana")
    model.set_rows([HistoryRow(uuid.uuid4(), "C1-000007", "2026-01-10T02:15:00+00:00", 4400,
                               None, 2200, "devuelta")])
    assert _row(model, 0) == ["C1-000007", "09/01/2026 18:15", "$44.00", "—", "Con devolución"]


def test_changes_needing_attention_name_the_entity_and_the_reason():
    model = RejectedModel()
    model.set_rows([Rejected(41, "sale_return", datetime(2026, 1, 10, tzinfo=UTC).isoformat(),
                             "over_return", "Ya se devolvió en otra caja"),
                    Rejected(42, "nuevo", datetime(2026, 1, 10, tzinfo=UTC).isoformat(),
                             "bad", None)])
    assert _row(model, 0)[:2] == ["41", "Devolución"]
    assert _row(model, 0)[3] == "Ya se devolvió en otra caja"
    assert _row(model, 1)[1::2] == ["nuevo", "bad"]
