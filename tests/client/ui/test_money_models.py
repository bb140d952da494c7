"""The money screens' table models, fed plain rows and read without a window (as Vorta does)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pos_client.ui.backroom.cortes_page import HistoryModel
from pos_client.ui.backroom.customers_page import AgingModel, StatementModel
from pos_client.ui.customer_picker import AccountsModel
from pos_client.ui.qt import Qt
from shared.corte import CorteReport, FormTotals, ShiftInfo
from shared.fiado import Account, StatementEntry
from shared.sale import PaymentMethod

TZ = ZoneInfo("America/Mexico_City")
CLOSED = datetime(2026, 3, 2, 3, 15, tzinfo=UTC)  # 21:15 on 1 March in Mexico City


def account(name: str, balance: int, age: int | None, limit: int = 50_000) -> Account:
    return Account(uuid.uuid4(), name, "+525512345678", limit, True, balance,
                   date(2026, 1, 1) if age is not None else None, age, (balance, 0, 0, 0))


def cells(model: object, row: int) -> list[object]:
    return [model.index(row, c).data() for c in range(model.columnCount())]  # type: ignore[attr-defined]


def test_accounts_sort_by_the_amount_and_age_not_by_their_text(qapp) -> None:  # type: ignore[no-untyped-def]
    model = AccountsModel(("name", "phone", "balance", "available", "age"))
    model.set_rows([account("Ana", 90_000, 2), account("Beto", 1_500, 45),
                    account("Carla", 20_000, None)])
    model.sort(2, Qt.SortOrder.DescendingOrder)  # "$900.00" < "$15.00" as text
    assert [a.name for a in model.rows()] == ["Ana", "Carla", "Beto"]
    model.sort(4, Qt.SortOrder.DescendingOrder)
    assert [a.name for a in model.rows()] == ["Beto", "Ana", "Carla"]
    assert cells(model, 0) == ["Beto", "55 1234 5678", "$15.00", "$485.00", "45 días"]
    assert cells(model, 2)[3:] == ["$300.00", ""]  # never owed: no age shown


def test_the_aging_table_leaves_empty_buckets_blank(qapp) -> None:  # type: ignore[no-untyped-def]
    model = AgingModel()
    model.set_rows([account("Ana", 1_500, 0)])
    assert cells(model, 0) == ["Ana", "$15.00", "hoy", "$15.00", "", "", ""]


def test_statement_rows_show_local_times_and_one_amount_column(qapp) -> None:  # type: ignore[no-untyped-def]
    model = StatementModel()
    model.tz = TZ
    model.set_rows([StatementEntry(CLOSED, "abono", "Abono en efectivo", 0, 2_000, 8_000)])
    assert cells(model, 0) == ["01/03/2026 21:15", "Abono en efectivo", "", "$20.00", "$80.00"]


def test_history_shows_the_cash_difference_in_red_when_short(qapp) -> None:  # type: ignore[no-untyped-def]
    shift = ShiftInfo(uuid.uuid4(), None, 50_000, None, CLOSED)
    report = CorteReport(shift, {PaymentMethod.CASH: FormTotals(sales=10_000)}, 0, 0, (), 2,
                         10_000, 0, 0, None, closed_at=CLOSED)
    model = HistoryModel()
    model.set_rows([report.with_counted({PaymentMethod.CASH: 59_500})], TZ)
    assert cells(model, 0) == ["01/03/2026 21:15", "—", "2 · $100.00", "$600.00", "$595.00",
                               "Faltante $5.00"]
    assert model.index(0, 5).data(Qt.ItemDataRole.ForegroundRole) == Qt.GlobalColor.red
    model.set_rows([report], TZ)  # not counted (never on a real close): no difference to colour
    assert cells(model, 0)[4:] == ["—", "—"]
    assert model.index(0, 5).data(Qt.ItemDataRole.ForegroundRole) is None
