"""Daily summaries: built for closed days, read instead of the facts, and rebuilt whenever
something under them changes — a sale or return that arrives days late from an offline till, a
fact the server refused, a product edit, another time zone. Each test checks the figures read
through the summaries against the same period added up from the facts alone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pos_client.services import reports
from pos_client.services.report_period import Period, spans
from pos_client.services.report_tallies import NO_DEPARTMENT, from_facts
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import load_device
from pos_client.store.repositories import report_summaries
from pos_client.store.repositories.withdraw import withdraw_facts
from shared.ids import new_uuid7
from shared.sale import PaymentMethod
from shared.sync.envelopes import make_change
from shared.sync.payloads import ProductPayload
from shared.tax import IvaRate
from tests.support.reports import (
    L,
    add_product,
    arrives,
    days,
    edit_product,
    give_back,
    mx,
    return_payload,
    sale_payload,
    sell,
    set_zone,
)

NOV = days(date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def till(tmp_path: Path) -> Till:
    """A till whose clock reads 1 December 2026, noon in Mexico City: November is closed."""
    db = Database(tmp_path / "pos.sqlite3")
    yield Till(db, load_device(db), lambda: mx(2026, 12, 1))
    db.close()


def closed_since(first: date) -> int:
    """November's days summarized with the clock on 1 December: from the first fact's day on."""
    return (date(2026, 11, 30) - first).days + 1


def summarize_all(till: Till) -> None:
    while reports.summarize(till):
        pass


def from_summaries(till: Till, period: Period = NOV) -> tuple[reports.ReportSet, int]:
    activity = reports.load(till, period)
    return reports.build(activity, top_n=1000), activity.summarized


def from_the_facts(till: Till, period: Period = NOV) -> reports.ReportSet:
    with till.db.read() as tx, tx.begin():
        tallies = from_facts(tx, spans(period.days(), period.tz), per_day=False)
    return reports.build(reports.Activity(period, tallies), top_n=1000)


def stored_gross(till: Till, day: date) -> int:
    with till.db.read() as tx, tx.begin():
        return sum(t.gross for t in report_summaries.read(tx, [day]).tallies if t.kind == "hour")


def agree(till: Till, period: Period = NOV) -> reports.ReportSet:
    got, _ = from_summaries(till, period)
    assert got == from_the_facts(till, period)
    return got


def test_days_are_summarized_once_they_are_over_newest_first(till: Till) -> None:
    sell(till, mx(2026, 11, 28, 10), [L(None, "Pan", 500)])
    sell(till, mx(2026, 11, 29, 10), [L(None, "Pan", 700)])
    sell(till, mx(2026, 11, 30, 23, 59), [L(None, "Pan", 900)])  # yesterday
    sell(till, mx(2026, 12, 1, 10), [L(None, "Pan", 1100)])  # today: not over yet
    assert reports.summarize(till, most=2) == 1  # the 30th and 29th first, the 28th left
    with till.db.read() as tx, tx.begin():
        assert [s.day for s in report_summaries.summarized(tx)] == [date(2026, 11, 29),
                                                                     date(2026, 11, 30)]
    summarize_all(till)

    week = days(date(2026, 11, 28), date(2026, 12, 1))
    got, summarized = from_summaries(till, week)
    assert summarized == 3
    assert [r.net for r in got.by_day.rows] == [500, 700, 900, 1100]
    assert got == from_the_facts(till, week)


def test_a_sale_that_arrives_days_late_rebuilds_its_days_summary(till: Till) -> None:
    sell(till, mx(2026, 11, 10, 9), [L(None, "Leche", 2_800)])
    summarize_all(till)
    assert stored_gross(till, date(2026, 11, 10)) == 2_800

    # A till that was offline since the 10th syncs on 1 December.
    arrives(till, "sale", sale_payload(mx(2026, 11, 10, 18, 45), [L(None, "Huevo", 4_200)],
                                       [(PaymentMethod.CARD, 4_200)]))
    got, summarized = from_summaries(till)
    assert summarized == closed_since(date(2026, 11, 10)) - 1  # the 10th waits to be rebuilt
    assert got.by_day.net == 7_000
    assert got == from_the_facts(till)

    assert reports.summarize(till) == 0
    assert stored_gross(till, date(2026, 11, 10)) == 7_000
    got, summarized = from_summaries(till)
    assert summarized == closed_since(date(2026, 11, 10))
    assert {r.key: r.net for r in got.by_payment.rows} == {"efectivo": 2_800, "tarjeta": 4_200}
    assert [(r.key, r.tickets) for r in got.by_hour.rows] == [(9, 1), (18, 1)]
    assert got == from_the_facts(till)


def test_a_late_return_and_a_late_sale_under_an_earlier_return_rebuild_their_days(till: Till) -> None:
    soda = add_product(till, "Refresco", 2_000, cost=1_200, department="Bebidas")
    sale = sell(till, mx(2026, 11, 3), [L(soda, "Refresco", 2_000, 3_000, cost=1_200)])
    summarize_all(till)

    arrives(till, "sale_return", return_payload(sale, mx(2026, 11, 4, 19), {1: 1_000}))
    assert agree(till).by_day.net == 4_000

    # Another till's sale of the 6th, returned on the 8th: the return reached us first, so the
    # 8th was summarized with the product's current tax and cost (it has changed since).
    theirs = sale_payload(mx(2026, 11, 6), [L(soda, "Refresco viejo", 2_000, 1_000,
                                              iva=IvaRate.TASA_CERO, cost=900)])
    arrives(till, "sale_return", return_payload(theirs, mx(2026, 11, 8), {1: 1_000}))
    summarize_all(till)
    before = agree(till)
    assert before.iva.net(IvaRate.GENERAL).total == 4_000 - 2_000
    arrives(till, "sale", theirs)
    after = agree(till)
    assert after.iva.net(IvaRate.TASA_CERO).total == 2_000 - 2_000
    assert after.margin.cost == 3 * 1_200 - 1_200 + 900 - 900
    summarize_all(till)
    assert from_summaries(till) == (after, closed_since(date(2026, 11, 3)))


def test_a_fact_the_server_refused_is_taken_out_of_its_summary(till: Till) -> None:
    sell(till, mx(2026, 11, 20), [L(None, "Pan", 500)])
    refused = sell(till, mx(2026, 11, 20, 13), [L(None, "Atún", 3_100)])
    summarize_all(till)
    assert stored_gross(till, date(2026, 11, 20)) == 3_600

    with till.db.write() as conn:
        withdraw_facts(conn, [make_change("sale", refused, change_id=new_uuid7(), device_seq=1,
                                          hlc=1, created_at=datetime.now(UTC))])
    assert agree(till).by_day.net == 500
    # The withdrawn sale was the newest row: a late sale may now take its rowid, and is seen.
    arrives(till, "sale", sale_payload(mx(2026, 11, 21), [L(None, "Sal", 1_000)]))
    assert agree(till).by_day.net == 1_500
    summarize_all(till)
    assert (stored_gross(till, date(2026, 11, 20)), stored_gross(till, date(2026, 11, 21))) == (500, 1_000)
    assert from_summaries(till)[1] == closed_since(date(2026, 11, 20))


def test_product_edits_rebuild_the_days_that_used_them(till: Till) -> None:
    chips = add_product(till, "Papas", 1_800, cost=0, department="Botanas")
    beer = add_product(till, "Cerveza", 2_500, cost=1_800, department="Bebidas")
    sell(till, mx(2026, 11, 2), [L(chips, "Papas", 1_800, 2_000)])  # no cost recorded
    sell(till, mx(2026, 11, 3), [L(beer, "Cerveza", 2_500, 1_000, cost=1_800)])
    summarize_all(till)

    edit_product(till, chips, cost=1_000)  # the 2nd fell back to the catalog's cost
    edit_product(till, beer, cost=2_000)  # the 3rd recorded its own: nothing to rebuild
    with till.db.read() as tx, tx.begin():
        assert report_summaries.queued_days(tx) == {date(2026, 11, 2)}
    assert {r.name: r.cost for r in agree(till).margin.rows} == {"Papas": 2_000, "Cerveza": 1_800}

    edit_product(till, beer, name="Cerveza clara", department="Cervezas")
    got = agree(till)
    assert [(p.name, p.department) for p in got.top.rows] == [("Papas", "Botanas"),
                                                               ("Cerveza clara", "Cervezas")]
    summarize_all(till)
    assert from_summaries(till) == (got, closed_since(date(2026, 11, 2)))


def test_a_product_that_arrives_after_its_sales_were_summarized(till: Till) -> None:
    # Another till's new product reaches us after a sale of it was already summarized here.
    later = new_uuid7()
    sell(till, mx(2026, 11, 12), [L(later, "Chocolate", 1_500)])
    summarize_all(till)
    assert agree(till).by_department.rows[0].label == NO_DEPARTMENT
    arrives(till, "product", ProductPayload(id=later, name="Chocolate Abuelita", price=1_500,
                                            department="Dulces", cost=900))
    got = agree(till)
    assert [(r.label, r.net) for r in got.by_department.rows] == [("Dulces", 1_500)]
    assert got.margin.cost == 900


def test_another_time_zone_rebuilds_every_summary(till: Till) -> None:
    sell(till, datetime(2026, 11, 6, 7, 30, tzinfo=UTC), [L(None, "Chicle", 300)])  # 01:30 CDMX
    summarize_all(till)
    assert [r.key for r in agree(till).by_day.rows] == [date(2026, 11, 6)]

    set_zone(till, "America/Tijuana")  # 23:30 on the 5th there
    tijuana = days(date(2026, 11, 1), date(2026, 11, 30), ZoneInfo("America/Tijuana"))
    got, summarized = from_summaries(till, tijuana)
    assert summarized == 0
    assert [(r.key, r.label) for r in got.by_hour.rows] == [(23, "23:00")]
    summarize_all(till)
    got, summarized = from_summaries(till, tijuana)
    assert summarized == closed_since(date(2026, 11, 5))
    assert [r.key for r in got.by_day.rows] == [date(2026, 11, 5)]
    assert got == from_the_facts(till, tijuana)


def test_a_day_the_clocks_change_is_split_by_the_local_hour(tmp_path: Path) -> None:
    db = Database(tmp_path / "pos.sqlite3")
    till = Till(db, load_device(db), lambda: datetime(2026, 3, 20, tzinfo=UTC))
    tz = ZoneInfo("America/Tijuana")  # 8 March 2026: 02:00 becomes 03:00 (23 hours)
    set_zone(till, "America/Tijuana")
    for hh, mm in ((0, 30), (1, 59), (3, 0), (23, 59)):
        sell(till, datetime(2026, 3, 8, hh, mm, tzinfo=tz).astimezone(UTC), [L(None, "Pan", 100)])
    sell(till, datetime(2026, 3, 9, 0, 0, tzinfo=tz).astimezone(UTC), [L(None, "Pan", 100)])
    march = days(date(2026, 3, 8), date(2026, 3, 9), tz)
    assert [(r.key, r.tickets) for r in from_the_facts(till, march).by_hour.rows] == [
        (0, 2), (1, 1), (3, 1), (23, 1)]
    summarize_all(till)
    got, summarized = from_summaries(till, march)
    assert summarized == 2
    assert [(r.key, r.tickets) for r in got.by_day.rows] == [(date(2026, 3, 8), 4), (date(2026, 3, 9), 1)]
    assert got == from_the_facts(till, march)
    db.close()


def test_every_edge_reads_the_same_from_summaries_as_from_the_facts(till: Till) -> None:
    """Returns and a whole cancellation, discounts, the per-line IVA split, mixed payments, a
    fiado refund to the account and a mixed one, a line with no cost, a común line, and sales
    a minute either side of local midnight."""
    ham = add_product(till, "Jamón", 16_000, cost=11_000, department="Salchichonería")
    eggs = add_product(till, "Huevo", 4_200, department="Abarrotes")  # no cost yet
    cookies = add_product(till, "Galletas", 2_333, cost=1_500, department="Abarrotes", ieps_bp=800)
    tortilla = add_product(till, "Tortilla", 2_290, cost=1_700, iva=IvaRate.TASA_CERO)
    mixed = sell(till, mx(2026, 11, 14, 23, 59),
                 [L(ham, "Jamón", 16_000, 375, cost=11_000, discount=500),
                  L(cookies, "Galletas", 2_333, 3_000, ieps_bp=800, cost=1_500),
                  L(None, "Varios", 1_050)],
                 [(PaymentMethod.CARD, 5_000), (PaymentMethod.FIADO, 2_000),
                  (PaymentMethod.CASH, 6_549)], tendered_extra=451)
    fiado = sell(till, mx(2026, 11, 15, 0, 0), [L(eggs, "Huevo", 4_200, 2_000),
                                                L(tortilla, "Tortilla", 2_290, 1_375, IvaRate.TASA_CERO,
                                                  cost=1_700)],
                 [(PaymentMethod.FIADO, 11_549)])
    cancelled = sell(till, mx(2026, 11, 15, 8), [L(cookies, "Galletas", 2_333, 1_000, ieps_bp=800)])
    give_back(till, mixed, mx(2026, 11, 16, 9), {1: 125, 2: 1_000}, PaymentMethod.CASH, to_account=2_000)
    give_back(till, fiado, mx(2026, 11, 16, 10), {1: 1_000}, PaymentMethod.FIADO)
    give_back(till, cancelled, mx(2026, 11, 15, 9), {1: 1_000})
    facts = from_the_facts(till)
    summarize_all(till)
    got, summarized = from_summaries(till)
    assert summarized == closed_since(date(2026, 11, 14))
    assert got == facts
    # The 14th: $135.49 at 23:59. The 15th from 00:00: the fiado sale, and $23.33 sold and
    # cancelled. The 16th: $41.66 back ($18.33 of ham, $23.33 of cookies: $20 to the account,
    # the rest in cash) and $42.00 of eggs back to the account.
    assert [(r.key, r.gross, r.returns) for r in got.by_day.rows] == [
        (date(2026, 11, 14), 13_549, 0), (date(2026, 11, 15), 11_549 + 2_333, 2_333),
        (date(2026, 11, 16), 0, 4_166 + 4_200)]
    assert {r.key: (r.gross, r.returns) for r in got.by_payment.rows} == {
        "tarjeta": (5_000, 0), "fiado": (2_000 + 11_549, 2_000 + 4_200),
        "efectivo": (6_549 + 2_333, 2_166 + 2_333)}
    assert {r.name: r.cost for r in got.margin.rows} == {
        "Jamón": 4_125 - 1_375, "Galletas": 3 * 1_500 - 1_500, "Tortilla": 2_338,
        "Huevo": None, "Varios": None}


def test_months_are_read_from_their_month_rows_until_one_of_their_days_changes(tmp_path: Path) -> None:
    db = Database(tmp_path / "pos.sqlite3")
    till = Till(db, load_device(db), lambda: mx(2026, 12, 5))
    soda = add_product(till, "Refresco", 2_000, department="Bebidas")
    october = days(date(2026, 10, 1), date(2026, 10, 31))
    sell(till, mx(2026, 9, 30), [L(soda, "Refresco", 2_000, 1_000)])
    for day in (1, 15, 31):
        sell(till, mx(2026, 10, day), [L(soda, "Refresco", 2_000, day * 1_000),
                                       L(None, "Varios", 500)])
    sell(till, mx(2026, 12, 1), [L(soda, "Refresco", 2_000, 1_000)])
    sell(till, mx(2026, 12, 3), [L(soda, "Refresco", 2_000, 4_000)])

    def months() -> list[tuple[str, str]]:
        with db.read() as tx:
            return list(tx.exec_driver_sql("SELECT month, upto FROM report_months"))

    summarize_all(till)
    # September starts on the 30th; December is rolled up to the 4th (the 5th is today).
    assert months() == [("2026-10", "2026-10-31"), ("2026-11", "2026-11-30"), ("2026-12", "2026-12-04")]
    got = agree(till, october)
    assert [(p.name, p.qty_milli) for p in got.top.rows] == [("Refresco", 47_000), ("Varios", 3_000)]
    for first, last, sold in ((1, 5, 5_000), (2, 3, 4_000), (1, 1, 1_000), (1, 2, 1_000)):
        december = days(date(2026, 12, first), date(2026, 12, last))
        assert [p.qty_milli for p in agree(till, december).top.rows] == [sold]

    edit_product(till, soda, name="Refresco de cola")
    # The month rows are still stored but no longer read: their days are out of date.
    assert [p.name for p in agree(till, october).top.rows] == ["Refresco de cola", "Varios"]
    summarize_all(till)
    assert len(months()) == 3
    arrives(till, "sale", sale_payload(mx(2026, 10, 20), [L(soda, "Refresco de cola", 2_000, 2_000)]))
    assert [p.qty_milli for p in agree(till, october).top.rows] == [49_000, 3_000]
    assert reports.summarize(till) == 0
    assert months()[0] == ("2026-10", "2026-10-31")
    got, summarized = from_summaries(till, october)
    assert summarized == 31
    assert got == from_the_facts(till, october)
    assert [p.qty_milli for p in got.top.rows] == [49_000, 3_000]
    db.close()


def test_a_sale_stamped_decades_ago_is_reported_but_not_summarized_back_to_then(till: Till) -> None:
    sell(till, datetime(1990, 1, 1, 18, tzinfo=UTC), [L(None, "Pan", 500)])  # a flat clock battery
    sell(till, mx(2026, 11, 30), [L(None, "Pan", 700)])
    while reports.summarize(till, most=400):
        pass
    with till.db.read() as tx, tx.begin():
        first = report_summaries.summarized(tx)[0].day
    assert first == date(2026, 12, 1) - reports.SUMMARIZED_FOR
    assert agree(till, days(date(1990, 1, 1), date(1990, 1, 1))).by_day.net == 500
