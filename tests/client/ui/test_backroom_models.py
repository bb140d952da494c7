"""The back room's table models, fed plain rows and read without a window (as Vorta tests its)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from pos_client.services.catalog_admin import Product
from pos_client.services.catalog_io import RowResult
from pos_client.services.inventory import StockItem
from pos_client.services.staff_admin import AuditRow, CashierRow
from pos_client.ui.backroom.import_dialog import PreviewModel
from pos_client.ui.backroom.inventory_parts import CountModel
from pos_client.ui.backroom.product_editor import CatalogModel
from pos_client.ui.backroom.staff_page import CashiersModel
from pos_client.ui.backroom.staff_tabs import AuditModel
from pos_client.ui.qt import QColor, Qt
from shared.permissions import Role
from shared.sync.payloads import ProductPayload
from shared.tax import IvaRate

pytestmark = pytest.mark.unit

DISPLAY, ALIGN = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.TextAlignmentRole


def _shown(model, row: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.data(model.index(row, c), DISPLAY) for c in range(model.columnCount())]


def _product(name: str, price: int, weighed: bool = False, stock: int = 0) -> Product:
    return Product(id=uuid.uuid4(), name=name, price=price, iva=IvaRate.GENERAL, ieps_bp=0,
                   sold_by_weight=weighed, department="Abarrotes", barcode="7501" if not weighed
                   else None, stock_milli=stock)


def test_the_catalog_list_shows_prices_per_kilo_and_stock_as_people_read_them() -> None:
    model = CatalogModel()
    model.set_rows([_product("Coca-Cola 600 ml", 2200, stock=15_000),
                    _product("Queso Oaxaca", 14_000, weighed=True, stock=1_250)])
    assert model.rowCount() == 2
    assert _shown(model, 0) == ["Coca-Cola 600 ml", "7501", "Abarrotes", "$22.00", "15"]
    assert _shown(model, 1) == ["Queso Oaxaca", "", "Abarrotes", "$140.00 /kg", "1.250 kg"]
    assert model.data(model.index(0, 3), ALIGN) is not None  # amounts to the right
    assert model.data(model.index(0, 0), ALIGN) is None
    assert model.product(1).name == "Queso Oaxaca"


def test_the_people_list_names_roles_and_finds_a_row_by_id() -> None:
    pepe = CashierRow(uuid.uuid4(), "Pepe", Role.CASHIER, False)
    mary = CashierRow(uuid.uuid4(), "Doña Mary", Role.OWNER, True)
    model = CashiersModel()
    model.set_rows([mary, pepe])
    assert _shown(model, 0) == ["Doña Mary", "Dueña", "Sí"]  # as she is addressed (issue 12)
    assert _shown(model, 1) == ["Pepe", "Cajera o cajero", "No"]  # his name has no title
    assert model.index_of(pepe.id) == 1
    assert model.index_of(uuid.uuid4()) == -1


def test_the_audit_log_shows_the_shops_local_time_and_who_approved() -> None:
    at = datetime(2025, 3, 20, 18, 30, tzinfo=UTC)
    model = AuditModel()
    model.timezone = "America/Mexico_City"
    model.set_rows([AuditRow(uuid.uuid4(), "discount", at, "Pepe", "Doña Mary", "10 %"),
                    AuditRow(uuid.uuid4(), "restore", at, None, None, None)])
    assert _shown(model, 0) == ["20/03/2025 12:30:00", "Descuento", "Pepe", "Doña Mary", "10 %"]
    assert _shown(model, 1) == ["20/03/2025 12:30:00", "Restauración de respaldo", "—", "", ""]
    model.timezone = "America/Tijuana"
    assert _shown(model, 0)[0] == "20/03/2025 11:30:00"


def test_the_import_preview_marks_errors_and_explains_each_row() -> None:
    ok = RowResult(2, "Pan", "actualiza", payload=ProductPayload(id=uuid.uuid4(), name="Pan", price=800),
                   notes=("se llamaba «Bolillo»",))
    bad = RowResult(3, "Chicle", "error", errors=("Renglón 3, precio: el importe no puede ser negativo.",))
    model = PreviewModel()
    model.set_rows([ok, bad])
    assert _shown(model, 0) == ["2", "Actualiza", "Pan", "$8.00", "se llamaba «Bolillo»"]
    assert _shown(model, 1) == ["3", "Error", "Chicle", "", "precio: el importe no puede ser negativo."]
    red = model.data(model.index(1, 0), Qt.ItemDataRole.ForegroundRole)
    assert isinstance(red, QColor)
    assert red.name() == "#b00020"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole) is None
    assert model.data(model.index(1, 4), Qt.ItemDataRole.ToolTipRole) == bad.errors[0]


def _item(name: str, stock: int, weighed: bool = False) -> StockItem:
    return StockItem(id=uuid.uuid4(), name=name, sold_by_weight=weighed, cost=1000,
                     min_stock_milli=0, stock_milli=stock, department=None, active=True,
                     deleted=False)


def test_the_count_sheet_takes_each_product_once_and_shows_the_difference_as_typed() -> None:
    coke, cheese = _item("Coca-Cola", 5_000), _item("Queso", 1_000, weighed=True)
    model = CountModel()
    typed: list[int] = []
    model.typed.connect(typed.append)
    assert model.add([coke, cheese]) == 0
    assert model.add([coke]) is None  # already on the sheet
    assert model.rowCount() == 2
    counted = model.index(0, CountModel.COUNTED)
    assert model.flags(counted) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(0, 1)) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(counted, "3")
    assert typed == [0]
    assert _shown(model, 0) == ["Coca-Cola", "5", "3", "-2"]
    model.setData(model.index(1, CountModel.COUNTED), "1.5")
    assert _shown(model, 1) == ["Queso", "1.000 kg", "1.5", "+0.500 kg"]
    model.setData(counted, "dos")
    assert _shown(model, 0)[3] == "¿?"
    model.setData(counted, "0")
    assert _shown(model, 0)[3] == "-5"
    assert not model.setData(model.index(0, 0), "otro nombre")
