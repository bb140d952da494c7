"""The Reportes page driven as the owner would: pick a period, read the tables and charts, export."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from pos_client.services import accounts, reports
from pos_client.ui.backroom.reports_page import AGING_TAB, ReportsPage
from pos_client.ui.context import AppContext
from pos_client.ui.qt import QBarSeries, QDate, QHorizontalBarSeries, QPieSeries, Qt
from shared.errors import DomainError
from shared.sale import PaymentMethod
from shared.tax import IvaRate
from tests.support.qt import show_active
from tests.support.reports import L, add_customer, add_product, charge, give_back, mx, sell


@pytest.fixture
def page(qtbot, ctx: AppContext) -> ReportsPage:  # type: ignore[no-untyped-def]
    page = ReportsPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.current is not None and ctx.worker.idle)
    return page


@pytest.fixture
def november(ctx: AppContext) -> None:
    """Two tickets on Thursday 5 November 2026 (one at 23:30), a return on the 6th, one sale on the 7th."""
    till = ctx.till
    soda = add_product(till, "Refresco 600", 1_800, cost=1_200, department="Bebidas")
    tortilla = add_product(till, "Tortilla", 2_400, cost=1_900, department="Tortillería",
                           iva=IvaRate.TASA_CERO)
    first = sell(till, mx(2026, 11, 5, 9, 15),
                 [L(soda, "Refresco 600", 1_800, 2_000),
                  L(tortilla, "Tortilla", 2_400, 1_000, IvaRate.TASA_CERO)])
    sell(till, mx(2026, 11, 5, 23, 30), [L(soda, "Refresco 600", 1_800, 1_000)],
         [(PaymentMethod.CARD, 1_800)])
    give_back(till, first, mx(2026, 11, 6, 10), {1: 1_000})
    sell(till, mx(2026, 11, 7, 12), [L(None, "Varios", 5_000)])


def choose(qtbot, page: ReportsPage, first: date, last: date) -> None:  # type: ignore[no-untyped-def]
    """Pick Personalizado and the two days, as the owner does, and wait for the numbers."""
    page.preset.setCurrentText(reports.Preset.CUSTOM.value)
    assert page.first.isEnabled()
    page.first.setDate(QDate(first.year, first.month, first.day))
    page.last.setDate(QDate(last.year, last.month, last.day))
    qtbot.waitUntil(lambda: page.ctx.worker.idle and page.current is not None
                    and (page.current.period.start, page.current.period.last_day) == (first, last))


def cells(page: ReportsPage, title: str) -> list[list[str]]:
    model = page.tab(title).model
    return [[model.text(r, c) for c in range(model.columnCount())] for r in range(model.rowCount())]


@pytest.mark.usefixtures("november")
def test_a_custom_period_shows_its_sales_in_every_tab(qtbot, page: ReportsPage) -> None:  # type: ignore[no-untyped-def]
    choose(qtbot, page, date(2026, 11, 5), date(2026, 11, 6))

    assert cells(page, "Por día") == [
        ["jue 05/11/2026", "2", "$78.00", "$0.00", "$78.00"],
        ["vie 06/11/2026", "0", "$0.00", "$18.00", "-$18.00"],
        ["Total", "2", "$78.00", "$18.00", "$60.00"],
    ]
    assert [row[0] for row in cells(page, "Por hora")] == ["09:00", "10:00", "23:00", "Total"]
    assert cells(page, "Departamentos")[:2] == [["Bebidas", "2", "$54.00", "$18.00", "$36.00"],
                                                ["Tortillería", "1", "$24.00", "$0.00", "$24.00"]]
    assert cells(page, "Formas de pago") == [
        ["Efectivo", "1", "$60.00", "$18.00", "$42.00"],
        ["Tarjeta", "1", "$18.00", "$0.00", "$18.00"],
        ["Total", "2", "$78.00", "$18.00", "$60.00"],
    ]
    assert cells(page, "Margen")[-1] == ["Total con costo", "", "$60.00", "", "$43.00", "$17.00",
                                         "28.33 %"]
    assert [row[0] for row in cells(page, "IVA")] == ["IVA 16%", "IVA 0%", "Total"]
    assert "IVA $4.97" in page.tab("IVA").note.text()  # $36.00 at 16 % included
    assert "Del 05/11/2026 al 06/11/2026: 2 tickets" in page.status.text()


@pytest.mark.usefixtures("november")
def test_the_charts_draw_the_net_of_each_row(qtbot, page: ReportsPage) -> None:  # type: ignore[no-untyped-def]
    choose(qtbot, page, date(2026, 11, 5), date(2026, 11, 6))

    by_day = page.tab("Por día").chart
    assert by_day is not None
    (bars,) = by_day.series()
    assert isinstance(bars, QBarSeries)
    assert [bars.barSets()[0].at(i) for i in range(2)] == [78.0, -18.0]
    payment = page.tab("Formas de pago").chart
    assert payment is not None
    (pie,) = payment.series()
    assert isinstance(pie, QPieSeries)
    assert [(s.label(), s.value()) for s in pie.slices()] == [("Efectivo", 42.0), ("Tarjeta", 18.0)]
    top = page.tab("Más vendidos").chart
    assert top is not None
    assert isinstance(top.series()[0], QHorizontalBarSeries)
    assert page.tab("IVA").chart is None


@pytest.mark.usefixtures("november")
def test_presets_fill_in_the_days(qtbot, page: ReportsPage) -> None:  # type: ignore[no-untyped-def]
    choose(qtbot, page, date(2026, 11, 7), date(2026, 11, 7))
    assert cells(page, "Por día")[0][4] == "$50.00"

    page.preset.setCurrentText(reports.Preset.TODAY.value)
    qtbot.waitUntil(lambda: page.ctx.worker.idle and page.current is not None
                    and page.current.period.last_day != date(2026, 11, 7))
    assert not page.first.isEnabled()
    assert page.first.date() == page.last.date()
    assert page.current is not None
    assert page.current.period.end - page.current.period.start == timedelta(days=1)


def test_a_period_without_sales_shows_empty_tables(qtbot, page: ReportsPage) -> None:  # type: ignore[no-untyped-def]
    choose(qtbot, page, date(2026, 1, 1), date(2026, 1, 31))
    assert cells(page, "Por día") == [["Total", "0", "$0.00", "$0.00", "$0.00"]]
    assert cells(page, "Más vendidos") == []
    assert page.status.text() == "Sin ventas del 01/01/2026 al 31/01/2026."
    chart = page.tab("Por hora").chart
    assert chart is not None
    assert chart.series()[0].barSets()[0].count() == 0  # type: ignore[attr-defined]


@pytest.mark.usefixtures("november")
def test_export_writes_the_tab_shown_as_csv(qtbot, page: ReportsPage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    choose(qtbot, page, date(2026, 11, 5), date(2026, 11, 6))
    asked: list[str] = []
    page.choose_path = lambda name: asked.append(name) or tmp_path / name  # type: ignore[func-returns-value]

    qtbot.mouseClick(page.tab("Formas de pago").export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Guardado" in page.status.text())
    assert asked == ["ventas-por-forma-de-pago-20261105-20261106.csv"]
    raw = (tmp_path / asked[0]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines() == [
        "Forma de pago,Tickets,Ventas,Devoluciones,Neto",
        "Efectivo,1,60.00,18.00,42.00",
        "Tarjeta,1,18.00,0.00,18.00",
        "Total,2,78.00,18.00,60.00",
    ]

    show_active(qtbot, page)
    page.tabs.setCurrentWidget(page.tab("IVA"))
    qtbot.keyClick(page, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: (tmp_path / "resumen-iva-20261105-20261106.csv").exists()
                    and page.ctx.worker.idle)
    lines = (tmp_path / "resumen-iva-20261105-20261106.csv").read_text("utf-8-sig").splitlines()
    assert lines[0] == "Tasa,Ventas,Devoluciones,Neto,Base,IEPS,IVA"
    assert lines[-1] == "Total,78.00,18.00,60.00,55.03,0.00,4.97"


def test_an_export_that_cannot_be_written_says_so(qtbot, page: ReportsPage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.choose_path = lambda name: tmp_path / "missing" / name
    qtbot.mouseClick(page.tab("Por día").export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "No pude guardar" in page.status.text())
    assert not (tmp_path / "missing").exists()

    page.choose_path = lambda name: None  # the owner closed the dialog
    page.status.setText("")
    qtbot.mouseClick(page.tab("Por día").export_button, Qt.MouseButton.LeftButton)
    assert page.ctx.worker.idle
    assert page.status.text() == ""
    assert list(tmp_path.glob("*.csv")) == []


def test_the_page_fits_a_1024_by_600_screen(page: ReportsPage) -> None:
    # The back-room list takes 220 px of the 1024; the rest is the page's.
    hint = page.minimumSizeHint()
    assert hint.width() <= 1024 - 240
    assert hint.height() <= 600 - 40
    assert page.refresh_button.minimumHeight() >= 48
    assert page.tab("Margen").export_button.minimumHeight() >= 48


def test_a_failed_calculation_is_a_message_not_a_crash(qtbot, page: ReportsPage,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise DomainError("La base de datos está ocupada. Intenta de nuevo.", code="busy")

    monkeypatch.setattr(reports, "run", refuse)
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status.text() == "La base de datos está ocupada. Intenta de nuevo.")

    monkeypatch.setattr(reports, "run", lambda *_: 1 / 0)
    qtbot.keyClick(page.refresh_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.status.text() == "No pude calcular los reportes. Intenta de nuevo.")
    assert page.tab("Por día").export_button.isEnabled()  # the last good figures stay exportable


def _owes(ctx: AppContext, name: str, debts: list[tuple[int, int]], paid: int = 0) -> None:
    """A customer with charges (centavos, days ago) and, optionally, an abono."""
    customer = add_customer(ctx.till, name, credit_limit=100_000)
    for amount, days_ago in debts:
        charge(ctx.till, customer, amount, ctx.till.now() - timedelta(days=days_ago))
    if paid:
        accounts.pay(ctx.till, customer, paid, PaymentMethod.CASH)


def test_fiado_aging_tab_shows_who_owes_by_age_with_chart_and_csv(  # type: ignore[no-untyped-def]
    qtbot, page: ReportsPage, ctx: AppContext, tmp_path: Path
) -> None:
    _owes(ctx, "Juana", [(20_000, 45), (10_000, 5)], paid=5_000)  # the abono pays the oldest first
    _owes(ctx, "Beto", [(30_000, 100)])
    _owes(ctx, "Lupe", [(5_000, 3)], paid=5_000)  # owes nothing: not listed
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)  # Actualizar (F5)
    qtbot.waitUntil(lambda: ctx.worker.idle and page.current is not None
                    and page.aging is not None and page.aging.total == 55_000)

    assert cells(page, AGING_TAB) == [
        ["Beto", "$300.00", "$1,000.00", "100", "$0.00", "$0.00", "$0.00", "$300.00"],
        ["Juana", "$250.00", "$1,000.00", "45", "$100.00", "$150.00", "$0.00", "$0.00"],
        ["Total", "$550.00", "", "", "$100.00", "$150.00", "$0.00", "$300.00"],
    ]
    chart = page.tab(AGING_TAB).chart
    assert chart is not None
    [bars] = chart.series()[0].barSets()  # type: ignore[attr-defined]
    assert [bars.at(i) for i in range(bars.count())] == [100.0, 150.0, 0.0, 300.0]
    assert "$550.00" in page.tab(AGING_TAB).note.text()

    page.choose_path = lambda name: tmp_path / name
    qtbot.mouseClick(page.tab(AGING_TAB).export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Guardado" in page.status.text())
    [written] = tmp_path.glob("fiados-por-antiguedad-*.csv")
    assert written.read_text("utf-8-sig").splitlines() == [
        "Cliente,Saldo,Límite,Días,0–30 días,31–60 días,61–90 días,Más de 90 días",
        "Beto,300.00,1000.00,100,0.00,0.00,0.00,300.00",
        "Juana,250.00,1000.00,45,100.00,150.00,0.00,0.00",
        "Total,550.00,,,100.00,150.00,0.00,300.00",
    ]


def test_fiado_aging_tab_with_nobody_owing_is_an_empty_table(page: ReportsPage) -> None:
    assert cells(page, AGING_TAB) == [["Total", "$0.00", "", "", "$0.00", "$0.00", "$0.00", "$0.00"]]
    chart = page.tab(AGING_TAB).chart
    assert chart is not None
    [bars] = chart.series()[0].barSets()  # type: ignore[attr-defined]
    assert [bars.at(i) for i in range(4)] == [0.0, 0.0, 0.0, 0.0]


@pytest.mark.usefixtures("november")
def test_after_showing_the_figures_the_page_summarizes_the_closed_days(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext
) -> None:
    ctx.till.now = lambda: mx(2026, 12, 1)
    page = ReportsPage(ctx)
    qtbot.addWidget(page)
    choose(qtbot, page, date(2026, 11, 5), date(2026, 11, 7))
    shown = cells(page, "Por día")
    qtbot.waitUntil(lambda: ctx.worker.idle and not page.summarizing)

    assert page.current is not None
    assert reports.load(ctx.till, page.current.period).summarized == 3  # the 5th to the 7th
    qtbot.keyClick(page.refresh_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: ctx.worker.idle and not page.summarizing)
    assert cells(page, "Por día") == shown
