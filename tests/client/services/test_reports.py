"""Reports over a real store: local-day periods, returns on their day, margin, IVA, CSV, and a
property test that every report adds up to the facts, whether a day is read from its facts or
from its daily summary."""

from __future__ import annotations

import csv
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_client.services import reports, returns, sales
from pos_client.services.report_table import ExportFailed, Kind, plain
from pos_client.services.report_tallies import NO_DEPARTMENT
from pos_client.services.reports import Preset
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import Device, load_device
from shared.sale import PaymentMethod, Tender, line_total
from shared.sync.payloads import SalePayload, SaleReturnPayload
from shared.tax import IvaRate, split_included
from shared.ticket import Ticket, TicketLine
from tests.support.reports import (
    MX,
    L,
    add_product,
    arrives,
    days,
    edit_product,
    give_back,
    mx,
    sale_payload,
    sell,
    set_zone,
)


@pytest.fixture
def till(stocked: Database, device: Device) -> Till:
    return Till(stocked, device)


# ---- periods and time zones --------------------------------------------------------------------


def test_a_sale_at_2330_local_belongs_to_that_local_day_not_the_utc_one(till: Till) -> None:
    late = sell(till, mx(2026, 11, 5, 23, 30), [L(None, "Refresco", 2000)])
    assert late.sold_at.date() == date(2026, 11, 6)  # the next day in UTC
    sell(till, mx(2026, 11, 6, 0, 0), [L(None, "Pan", 500)])  # local midnight: the 6th

    fifth = reports.load(till, days(date(2026, 11, 5), date(2026, 11, 5)))
    by_day, by_hour = reports.sales_by_day(fifth), reports.sales_by_hour(fifth)
    assert [(r.key, r.gross) for r in by_day.rows] == [(date(2026, 11, 5), 2000)]
    assert [(r.key, r.gross) for r in by_hour.rows] == [(23, 2000)]
    sixth = reports.sales_by_day(reports.load(till, days(date(2026, 11, 6), date(2026, 11, 6))))
    assert [(r.key, r.gross, r.tickets) for r in sixth.rows] == [(date(2026, 11, 6), 500, 1)]


def test_the_shops_time_zone_comes_from_its_settings(till: Till) -> None:
    # 07:30 UTC on the 6th is 01:30 on the 6th in Mexico City, 23:30 on the 5th in Tijuana.
    sell(till, datetime(2026, 11, 6, 7, 30, tzinfo=UTC), [L(None, "Chicle", 300)])

    def day_of_sale(tz: str) -> list[date]:
        set_zone(till, tz)
        got = reports.run(till, Preset.CUSTOM, date(2026, 11, 1), date(2026, 11, 30))
        return [r.key for r in got.by_day.rows]  # type: ignore[misc]

    assert day_of_sale("America/Mexico_City") == [date(2026, 11, 6)]  # 01:30 local
    assert day_of_sale("America/Tijuana") == [date(2026, 11, 5)]  # 23:30 local
    assert day_of_sale("Not/AZone") == [date(2026, 11, 6)]  # unknown name: the default zone


def test_sales_synced_from_another_device_with_another_offset_are_counted(till: Till) -> None:
    sell(till, mx(2026, 11, 5, 10), [L(None, "Pan", 500)])
    # Another till wrote its time with a -06:00 offset; it reaches this store through a pull.
    theirs = sale_payload(datetime(2026, 11, 5, 23, 50, tzinfo=timezone(timedelta(hours=-6))),
                          [L(None, "Leche", 2800)])
    arrives(till, "sale", theirs)
    got = reports.build(reports.load(till, days(date(2026, 11, 5), date(2026, 11, 5))))
    assert got.by_day.gross == 3300
    assert got.by_day.tickets == 2
    assert [(r.key, r.gross) for r in got.by_hour.rows] == [(10, 500), (23, 2800)]
    assert reports.sales_by_day(reports.load(till, days(date(2026, 11, 6), date(2026, 11, 6)))).rows == []


@pytest.mark.parametrize(("preset", "first", "last"), [
    (Preset.TODAY, date(2026, 11, 5), date(2026, 11, 5)),
    (Preset.YESTERDAY, date(2026, 11, 4), date(2026, 11, 4)),
    (Preset.WEEK, date(2026, 11, 2), date(2026, 11, 5)),  # the 5th is a Thursday
    (Preset.MONTH, date(2026, 11, 1), date(2026, 11, 5)),
])
def test_presets_name_local_days_ending_today(preset: Preset, first: date, last: date) -> None:
    period = reports.period_for(preset, date(2026, 11, 5), MX)
    assert (period.start, period.last_day) == (first, last)
    assert period.bounds()[0] == datetime(first.year, first.month, first.day, 6, tzinfo=UTC)


def test_a_custom_period_given_backwards_is_put_right_and_needs_both_days() -> None:
    period = reports.period_for(Preset.CUSTOM, date(2026, 11, 5), MX, date(2026, 11, 9), date(2026, 11, 7))
    assert (period.start, period.end) == (date(2026, 11, 7), date(2026, 11, 10))
    with pytest.raises(ValueError, match="both days"):
        reports.period_for(Preset.CUSTOM, date(2026, 11, 5), MX, date(2026, 11, 9), None)


# ---- what each report says ---------------------------------------------------------------------


def test_a_period_with_no_sales_gives_empty_reports_that_still_export(till: Till,
                                                                      tmp_path: Path) -> None:
    got = reports.run(till, Preset.CUSTOM, date(2026, 1, 1), date(2026, 1, 31))
    for report in (got.by_day, got.by_hour, got.by_department, got.by_payment):
        assert report.rows == []
        assert (report.tickets, report.net) == (0, 0)
    assert got.top.rows == []
    assert got.margin.rows == []
    assert got.iva.rows == []
    assert got.margin.margin_bp is None
    assert got.iva.total == 0
    reports.to_csv(got.margin, tmp_path / "m.csv")
    text = (tmp_path / "m.csv").read_text("utf-8-sig").splitlines()
    assert text == ["Producto,Cantidad,Ventas netas,Costo unitario,Costo,Margen,Margen %",
                    "Total con costo,,0.00,,0.00,0.00,"]


def test_returns_count_on_the_day_they_happen(till: Till) -> None:
    soda = add_product(till, "Refresco", 2000, department="Bebidas")
    sale = sell(till, mx(2026, 11, 5, 9), [L(soda, "Refresco", 2000, 3000)])
    give_back(till, sale, mx(2026, 11, 7, 18), {1: 1000})

    whole = reports.sales_by_day(reports.load(till, days(date(2026, 11, 5), date(2026, 11, 7))))
    assert [(r.key, r.gross, r.returns, r.net) for r in whole.rows] == [
        (date(2026, 11, 5), 6000, 0, 6000), (date(2026, 11, 7), 0, 2000, -2000)]
    seventh = reports.build(reports.load(till, days(date(2026, 11, 7), date(2026, 11, 7))))
    assert (seventh.by_day.tickets, seventh.by_day.net) == (0, -2000)
    assert [(r.label, r.net) for r in seventh.by_department.rows] == [("Bebidas", -2000)]
    assert [(r.label, r.returns) for r in seventh.by_payment.rows] == [("Efectivo", 2000)]
    assert [(r.key, r.returns) for r in seventh.by_hour.rows] == [(18, 2000)]


def test_departments_are_the_products_current_ones(till: Till) -> None:
    chips = add_product(till, "Papas", 1800, department="Botanas")
    loose = add_product(till, "Clavos", 100, department="  ")
    sell(till, mx(2026, 11, 5), [L(chips, "Papas", 1800, 2000), L(loose, "Clavos", 100),
                                            L(None, "Varios", 700)])
    edit_product(till, chips, department="Dulces")

    got = reports.sales_by_department(reports.load(till, days(date(2026, 11, 5), date(2026, 11, 5))))
    assert [(r.label, r.tickets, r.gross) for r in got.rows] == [
        ("Dulces", 1, 3600), (NO_DEPARTMENT, 1, 800)]
    assert got.tickets == 1  # one ticket, two departments


def test_payment_forms_count_what_was_applied_not_what_was_handed_over(till: Till) -> None:
    sell(till, mx(2026, 11, 5), [L(None, "Despensa", 25_000)],
         [(PaymentMethod.CARD, 10_000), (PaymentMethod.CASH, 15_000)], tendered_extra=5_000)
    sell(till, mx(2026, 11, 5), [L(None, "Leche", 2_800)], [(PaymentMethod.FIADO, 2_800)])

    got = reports.sales_by_payment(reports.load(till, days(date(2026, 11, 5), date(2026, 11, 5))))
    assert [(r.label, r.tickets, r.gross) for r in got.rows] == [
        ("Efectivo", 1, 15_000), ("Tarjeta", 1, 10_000), ("Fiado", 1, 2_800)]
    assert (got.tickets, got.net) == (2, 27_800)


def test_top_products_by_amount_or_quantity_net_of_returns(till: Till) -> None:
    rice = add_product(till, "Arroz", 3000)
    gum = add_product(till, "Chicle", 100)
    sale = sell(till, mx(2026, 11, 5),
                [L(rice, "Arroz", 3000, 2000), L(gum, "Chicle", 100, 10_000)])
    give_back(till, sale, mx(2026, 11, 5, 13), {1: 1000})
    act = reports.load(till, days(date(2026, 11, 5), date(2026, 11, 5)))

    by_amount = reports.top_products(act, 5)
    assert [(p.name, p.qty_milli, p.amount) for p in by_amount.rows] == [
        ("Arroz", 1000, 3000), ("Chicle", 10_000, 1000)]
    assert [p.name for p in reports.top_products(act, 5, by="qty").rows] == ["Chicle", "Arroz"]
    assert [p.name for p in reports.top_products(act, 1).rows] == ["Arroz"]


def test_gross_margin_uses_current_cost_and_leaves_products_without_cost_out(till: Till) -> None:
    beer = add_product(till, "Cerveza", 2500, cost=1800)
    ham = add_product(till, "Jamón", 16_000, cost=11_000)  # per kg
    eggs = add_product(till, "Huevo", 4200)  # cost not captured yet
    sell(till, mx(2026, 11, 5), [L(beer, "Cerveza", 2500, 6000), L(ham, "Jamón", 16_000, 250),
                                            L(eggs, "Huevo", 4200), L(None, "Varios", 1000)])
    edit_product(till, beer, cost=2000)

    got = reports.gross_margin(reports.load(till, days(date(2026, 11, 5), date(2026, 11, 5))))
    rows = {r.name: r for r in got.rows}
    assert (rows["Cerveza"].cost, rows["Cerveza"].margin) == (12_000, 3_000)  # 6 × $20.00 now
    assert (rows["Jamón"].cost, rows["Jamón"].margin) == (2_750, 1_250)  # 250 g of $110.00/kg
    assert rows["Huevo"].unit_cost is None
    assert rows["Varios"].unit_cost is None
    assert (got.net_sales, got.costed_sales, got.uncosted_sales) == (24_200, 19_000, 5_200)
    assert (got.cost, got.margin, got.margin_bp) == (14_750, 4_250, 2237)  # 22.37 %
    assert [r.name for r in got.rows][-2:] == ["Huevo", "Varios"]
    table = got.table()
    assert table.rows[-1][3] == "sin costo"
    assert table.totals == (
        "Total con costo", None, 19_000, None, 14_750, 4_250, 2237)


def test_gross_margin_uses_the_cost_each_line_recorded(till: Till) -> None:
    beer = add_product(till, "Cerveza", 2500, cost=1800)
    ham = add_product(till, "Jamón", 16_000, cost=0)  # cost cleared since
    # Sold at $18.00 cost, then at $19.00; the catalog now says $20.00 (not used for these).
    early = sell(till, mx(2026, 11, 5, 10), [L(beer, "Cerveza", 2500, 4000, cost=1800),
                                                        L(ham, "Jamón", 16_000, 500, cost=11_000)])
    sell(till, mx(2026, 11, 5, 11), [L(beer, "Cerveza", 2500, 2000, cost=1900)])
    # A line from before costs were recorded: falls back to the product's current cost.
    sell(till, mx(2026, 11, 5, 12), [L(beer, "Cerveza", 2500, 1000)])
    edit_product(till, beer, cost=2000)
    # One of the $18.00 beers comes back: its cost comes back at $18.00, not at today's $20.00.
    give_back(till, early, mx(2026, 11, 5, 13), {1: 1000, 2: 250})

    got = reports.gross_margin(reports.load(till, days(date(2026, 11, 5), date(2026, 11, 5))))
    rows = {r.name: r for r in got.rows}
    beer_row = rows["Cerveza"]
    assert (beer_row.qty_milli, beer_row.net) == (6000, 15_000)
    assert beer_row.cost == 3 * 1800 + 2 * 1900 + 2000  # 11_200
    assert (beer_row.margin, beer_row.unit_cost) == (3_800, 1867)
    # Ham's catalog cost is 0 now, but its line recorded $110.00/kg: 250 g net.
    assert (rows["Jamón"].qty_milli, rows["Jamón"].net, rows["Jamón"].cost) == (250, 4_000, 2_750)
    assert (got.uncosted_sales, got.cost, got.margin) == (0, 13_950, 5_050)


def test_a_product_with_costed_and_uncosted_lines_shows_on_two_rows(till: Till) -> None:
    eggs = add_product(till, "Huevo", 4200)  # no cost in the catalog
    sell(till, mx(2026, 11, 5), [L(eggs, "Huevo", 4200, 1000, cost=3000),
                                            L(eggs, "Huevo", 4200, 2000)])
    got = reports.gross_margin(reports.load(till, days(date(2026, 11, 5), date(2026, 11, 5))))
    assert [(r.name, r.qty_milli, r.net, r.cost) for r in got.rows] == [
        ("Huevo", 1000, 4200, 3000), ("Huevo", 2000, 8400, None)]
    assert (got.costed_sales, got.uncosted_sales, got.margin) == (4200, 8400, 1200)


def test_payment_report_splits_a_mixed_refund_into_account_and_cash(till: Till) -> None:
    sale = sell(till, mx(2026, 11, 5), [L(None, "Varios", 8000)],
                [(PaymentMethod.FIADO, 3000), (PaymentMethod.CASH, 5000)])
    give_back(till, sale, mx(2026, 11, 5, 13), {1: 1000}, PaymentMethod.CASH, to_account=3000)
    got = reports.sales_by_payment(reports.load(till, days(date(2026, 11, 5), date(2026, 11, 5))))
    assert {r.key: (r.gross, r.returns, r.net) for r in got.rows} == {
        "efectivo": (5000, 5000, 0), "fiado": (3000, 3000, 0)}
    assert (got.gross, got.returns) == (8000, 8000)


def test_iva_summary_matches_the_tickets_to_the_centavo(till: Till) -> None:
    ticket = Ticket()
    for name, price, qty, iva, ieps in [("Refresco", 1_850, 3000, IvaRate.GENERAL, 0),
                                        ("Galletas", 2_333, 1000, IvaRate.GENERAL, 800),
                                        ("Tortilla", 2_290, 1_375, IvaRate.TASA_CERO, 0),
                                        ("Libro", 19_999, 1000, IvaRate.EXENTO, 0),
                                        ("Agua", 1_701, 7000, IvaRate.FRONTERA, 0)]:
        pid = add_product(till, name, price, iva=iva, ieps_bp=ieps)
        ticket.add(TicketLine(pid, name, price, qty, iva, ieps, sold_by_weight=qty % 1000 != 0))
    receipt = sales.record_sale(till, ticket, [Tender(PaymentMethod.CASH, 100_000)])
    got = reports.run(till, Preset.TODAY).iva
    assert {r.rate: r.net for r in got.rows} == ticket.taxes.by_rate
    assert got.taxed_base + got.exento + got.iva + got.ieps == receipt.total

    returns.return_sale(till, receipt.sale_id, "no le gustó", {2: 1000})
    got = reports.run(till, Preset.TODAY).iva
    back = split_included(2_333, IvaRate.GENERAL, 800)
    assert got.net(IvaRate.GENERAL).iva == ticket.taxes.by_rate[IvaRate.GENERAL].iva - back.iva
    assert got.net(IvaRate.GENERAL).ieps == ticket.taxes.by_rate[IvaRate.GENERAL].ieps - back.ieps
    assert got.total == receipt.total - 2_333
    assert [r.rate for r in got.rows] == [IvaRate.GENERAL, IvaRate.FRONTERA, IvaRate.TASA_CERO,
                                          IvaRate.EXENTO]


# ---- CSV ---------------------------------------------------------------------------------------


def test_csv_has_a_bom_plain_decimals_and_a_totals_row(till: Till,
                                                       tmp_path: Path) -> None:
    milk = add_product(till, "Leche", 2_850, department="Lácteos")
    sell(till, mx(2026, 11, 5), [L(milk, "Leche", 2_850, 433_000)])  # $12,340.50
    got = reports.build(reports.load(till, days(date(2026, 11, 5), date(2026, 11, 5))))

    reports.to_csv(got.by_department, tmp_path / "dep.csv")
    raw = (tmp_path / "dep.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(raw.decode("utf-8-sig").splitlines())) == [
        ["Departamento", "Tickets", "Ventas", "Devoluciones", "Neto"],
        ["Lácteos", "1", "12340.50", "0.00", "12340.50"],
        ["Total", "1", "12340.50", "0.00", "12340.50"],
    ]
    reports.to_csv(got.by_day, tmp_path / "day.csv")
    assert (tmp_path / "day.csv").read_text("utf-8-sig").splitlines()[1].startswith("2026-11-05,1,")
    reports.to_csv(got.top, tmp_path / "top.csv")
    assert (tmp_path / "top.csv").read_text("utf-8-sig").splitlines()[1] == "1,Leche,Lácteos,433,12340.50"


def test_text_typed_by_people_never_opens_as_a_formula(till: Till,
                                                        tmp_path: Path) -> None:
    evil = add_product(till, '=HYPERLINK("http://x","Leche")', 2_000, department="@SUM(A1)")
    sell(till, mx(2026, 11, 5), [L(evil, '=HYPERLINK("http://x","Leche")', 2_000, 1_000)])
    got = reports.build(reports.load(till, days(date(2026, 11, 5), date(2026, 11, 5))))
    reports.to_csv(got.top, tmp_path / "top.csv")
    [_, row] = list(csv.reader((tmp_path / "top.csv").read_text("utf-8-sig").splitlines()))
    assert row == ["1", "'=HYPERLINK(\"http://x\",\"Leche\")", "'@SUM(A1)", "1", "20.00"]
    assert plain(Kind.TEXT, "-2+3") == "'-2+3"
    assert plain(Kind.MONEY, -250) == "-2.50"  # numbers stay numbers


def test_plain_cells_for_spreadsheets() -> None:
    assert plain(Kind.MONEY, 123_450) == "1234.50"
    assert plain(Kind.MONEY, -5) == "-0.05"
    assert plain(Kind.QTY, 1_250) == "1.250"
    assert plain(Kind.QTY, 3_000) == "3"
    assert plain(Kind.PERCENT, 2_237) == "22.37"
    assert plain(Kind.MONEY, None) == ""
    assert plain(Kind.DATE, date(2026, 1, 2)) == "2026-01-02"


def test_a_csv_that_cannot_be_written_is_a_spanish_refusal(till: Till, tmp_path: Path) -> None:
    got = reports.run(till, Preset.TODAY)
    with pytest.raises(ExportFailed, match="No pude guardar") as caught:
        reports.to_csv(got.iva, tmp_path / "no-such-folder" / "iva.csv")
    assert caught.value.code == "report_export_failed"


# ---- property: every report adds up to the facts -----------------------------------------------


FIRST, LAST = date(2026, 3, 9), date(2026, 3, 10)  # the period; activity spills a day each side
_SPAN_MIN = 4 * 24 * 60


@st.composite
def activity(draw: st.DrawFn) -> dict[str, object]:
    products = draw(st.lists(st.tuples(
        st.sampled_from([None, "", "Bebidas", "Abarrotes", "Lácteos"]),  # department
        st.sampled_from([0, 0, 950, 1234, 5000]),  # cost
        st.sampled_from(list(IvaRate)),
        st.sampled_from([0, 800, 2500]),  # IEPS
        st.integers(1, 30_000),  # price
    ), min_size=1, max_size=5))
    n_sales = draw(st.integers(0, 7))
    sales_ = []
    for _ in range(n_sales):
        minute = draw(st.integers(0, _SPAN_MIN))  # from local midnight of the day before FIRST
        lines = draw(st.lists(st.tuples(
            st.one_of(st.none(), st.integers(0, len(products) - 1)),
            st.integers(1, 20_000),  # común unit price
            st.integers(1, 5_000),  # qty in thousandths
            st.floats(0, 1),  # discount share, of the line's gross
        ), min_size=1, max_size=4))
        methods = draw(st.lists(st.sampled_from(list(PaymentMethod)), min_size=1, max_size=3))
        cuts = draw(st.lists(st.floats(0, 1), min_size=len(methods) - 1, max_size=len(methods) - 1))
        extra = draw(st.integers(0, 5_000))
        back = draw(st.lists(st.tuples(st.integers(0, 3), st.floats(0, 1)), max_size=3))
        back_after = draw(st.integers(0, 2 * 24 * 60))
        sales_.append((minute, lines, methods, cuts, extra, back, back_after))
    return {"products": products, "sales": sales_}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(activity())
def test_every_report_adds_up_to_the_facts(tmp_path_factory: pytest.TempPathFactory,
                                           data: dict[str, object]) -> None:
    db = Database(tmp_path_factory.mktemp("reports") / "pos.sqlite3")
    try:
        till = Till(db, load_device(db), lambda: mx(2026, 3, 20))
        written = _write_activity(till, data)
        from_facts = reports.load(till, days(FIRST, LAST))
        while reports.summarize(till):
            pass
        from_summaries = reports.load(till, days(FIRST, LAST))
    finally:
        db.close()
    # Days are summarized from the first fact on (an empty store has nothing to summarize).
    first = min((x.astimezone(MX).date() for x in [*(s.sold_at for s in written.sales),
                                                    *(r.returned_at for r in written.returns)]),
                default=date.max)
    assert (from_facts.summarized, from_summaries.summarized) == (0, sum(d >= first for d in (FIRST, LAST)))
    got = reports.build(from_facts, top_n=10_000)
    _assert_reports_match(got, written)
    # The same figures again once both days are read from their daily summaries.
    assert reports.build(from_summaries, top_n=10_000) == got


@dataclass
class Written:
    sales: list[SalePayload]
    returns: list[SaleReturnPayload]
    cost: dict[uuid.UUID, int]


def _write_activity(till: Till, data: dict[str, object]) -> Written:
    catalog = []
    for i, (dept, cost, iva, ieps, price) in enumerate(data["products"]):  # type: ignore[attr-defined]
        pid = add_product(till, f"Producto {i}", price, cost=cost, department=dept, iva=iva,
                          ieps_bp=ieps)
        catalog.append((pid, price, iva, ieps, cost))
    origin = datetime.combine(FIRST - timedelta(days=1), datetime.min.time(), MX).astimezone(UTC)
    written = Written([], [], {pid: cost for pid, _, _, _, cost in catalog})
    for minute, lines, methods, cuts, extra, back, back_after in data["sales"]:  # type: ignore[attr-defined]
        body = []
        for pick, price, qty, share in lines:
            pid, p_price, iva, ieps = (None, price, IvaRate.GENERAL, 0) if pick is None else catalog[pick][:4]
            gross = line_total(p_price, qty)
            body.append(L(pid, "Común" if pid is None else "x", p_price, qty, iva, ieps, int(gross * share)))
        total = sum(line_total(ln.unit_price, ln.qty_milli) - ln.discount for ln in body)
        if total == 0:
            continue
        at = origin + timedelta(minutes=minute)
        sale = sell(till, at, body, _split(total, methods, cuts), extra)
        written.sales.append(sale)
        wanted = {no + 1: max(1, int(sale.lines[no].qty_milli * share))
                  for no, share in back if no < len(sale.lines)}
        if wanted:
            written.returns.append(give_back(till, sale, at + timedelta(minutes=back_after), wanted,
                                             PaymentMethod.FIADO if sale.customer_id else PaymentMethod.CASH))
    return written


def _split(total: int, methods: list[PaymentMethod], cuts: list[float]) -> list[tuple[PaymentMethod, int]]:
    """Split a total among payment forms at the given fractions; cash takes what is left."""
    marks = sorted(int(total * c) for c in cuts)
    amounts = [b - a for a, b in zip([0, *marks], [*marks, total], strict=True)]
    paid: dict[PaymentMethod, int] = defaultdict(int)
    for method, amount in zip(methods, amounts, strict=True):
        paid[method] += amount
    return [(m, a) for m, a in paid.items() if a > 0]


def _in_period(at: datetime) -> bool:
    return FIRST <= at.astimezone(MX).date() <= LAST


def _assert_reports_match(got: reports.ReportSet, w: Written) -> None:
    sold = [s for s in w.sales if _in_period(s.sold_at)]
    back = [r for r in w.returns if _in_period(r.returned_at)]
    gross, refunds = sum(s.total for s in sold), sum(r.amount for r in back)
    net = gross - refunds
    for report in (got.by_day, got.by_hour, got.by_department, got.by_payment):
        assert (report.gross, report.returns, report.net, report.tickets) == (gross, refunds, net, len(sold))
        assert sum(r.net for r in report.rows) == net
    per_day: dict[date, int] = defaultdict(int)
    for s in sold:
        per_day[s.sold_at.astimezone(MX).date()] += s.total
    for r in back:
        per_day[r.returned_at.astimezone(MX).date()] -= r.amount
    assert {r.key: r.net for r in got.by_day.rows} == {d: v for d, v in per_day.items()}
    paid: dict[str, int] = defaultdict(int)
    refunded: dict[str, int] = defaultdict(int)
    for s in sold:
        for p in s.payments:
            paid[p.method.value] += p.amount
    for r in back:  # the account part under fiado, the rest under how it left the drawer
        if r.refund_to_account:
            refunded[PaymentMethod.FIADO.value] += r.refund_to_account
        if r.amount > r.refund_to_account:
            rest = PaymentMethod.CASH if r.refund_method is PaymentMethod.FIADO else r.refund_method
            refunded[rest.value] += r.amount - r.refund_to_account
    assert {r.key: (r.gross, r.returns) for r in got.by_payment.rows} == {
        m: (paid[m], refunded[m]) for m in set(paid) | set(refunded)}

    assert sum(p.amount for p in got.top.rows) == net
    assert sum(p.qty_milli for p in got.top.rows) == (
        sum(ln.qty_milli for s in sold for ln in s.lines) - sum(ln.qty_milli for r in back for ln in r.lines))
    assert got.margin.net_sales == net

    lines = {(s.id, ln.line_no): ln for s in w.sales for ln in s.lines}
    iva: dict[IvaRate, int] = defaultdict(int)  # every rate seen gets a key, even at 0
    for s in sold:
        for ln in s.lines:
            iva[ln.iva] += split_included(ln.total, ln.iva, ln.ieps_bp).iva
    for r in back:
        for rl in r.lines:
            ln = lines[(r.sale_id, rl.line_no)]
            iva[ln.iva] -= split_included(rl.amount, ln.iva, ln.ieps_bp).iva
    assert {r.rate: r.net.iva for r in got.iva.rows} == dict(iva)
    assert got.iva.taxed_base + got.iva.exento + got.iva.iva + got.iva.ieps == net
    assert got.iva.total == net
