"""Fiado aging added up by SQL (a window over each customer's charges) says exactly what the
accounts service's FIFO walk says, bucket by bucket, at the very edges of each bucket."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_client.services import accounts, reports
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import load_device
from shared.sale import PaymentMethod
from tests.support.reports import MX, L, abono, add_customer, charge, give_back, sell

TODAY = date(2026, 11, 30)


def local(days_ago: int, second: int) -> datetime:
    """``second`` seconds into the local day ``days_ago`` days before TODAY, in UTC."""
    midnight = datetime.combine(TODAY - timedelta(days=days_ago), time(), MX)
    return (midnight + timedelta(seconds=second)).astimezone(UTC)


customers = st.lists(st.tuples(
    st.lists(st.tuples(st.integers(1, 50_000), st.sampled_from([0, 1, 29, 30, 31, 60, 61, 90, 91, 200]),
                       st.sampled_from([0, 1, 43_200, 86_399])), max_size=5),  # charges
    st.lists(st.integers(1, 60_000), max_size=3),  # abonos
    st.lists(st.tuples(st.integers(1, 20_000), st.floats(0, 1)), max_size=2),  # fiado sales, share back
), min_size=1, max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(customers)
def test_sql_aging_matches_the_fifo_walk(tmp_path_factory: pytest.TempPathFactory,
                                         data: list[tuple[list[tuple[int, int, int]], list[int],
                                                          list[tuple[int, float]]]]) -> None:
    db = Database(tmp_path_factory.mktemp("aging") / "pos.sqlite3")
    till = Till(db, load_device(db))
    try:
        for i, (charges, abonos, fiado_sales) in enumerate(data):
            customer = add_customer(till, f"Cliente {i}")
            for amount, days_ago, second in charges:
                charge(till, customer, amount, local(days_ago, second))
            for amount in abonos:
                abono(till, customer, amount, local(0, 60))
            for amount, share in fiado_sales:
                sale = sell(till, local(10, 3_600), [L(None, "Varios", amount)],
                            [(PaymentMethod.FIADO, amount)], customer_id=customer)
                charge(till, customer, amount, sale.sold_at)
                back = max(1, int(1000 * share))
                give_back(till, sale, local(5, 3_600), {1: back}, PaymentMethod.FIADO)
        with db.read() as tx, tx.begin():
            by_sql = reports.aging_report(tx, TODAY, MX)
            walked = accounts.aging_report(tx, TODAY)
    finally:
        db.close()
    assert by_sql == walked


def test_nobody_owing_is_an_empty_report(tmp_path_factory: pytest.TempPathFactory) -> None:
    db = Database(tmp_path_factory.mktemp("aging") / "pos.sqlite3")
    till = Till(db, load_device(db))
    paid_up = add_customer(till, "Lupe")
    charge(till, paid_up, 5_000, local(3, 0))
    abono(till, paid_up, 5_000, local(1, 0))
    add_customer(till, "Nadie")
    with db.read() as tx, tx.begin():
        report = reports.aging_report(tx, TODAY, MX)
    db.close()
    assert (report.accounts, report.totals) == ((), (0, 0, 0, 0))


def test_an_abono_that_pays_the_oldest_charge_exactly_ages_the_debt_from_the_next(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    db = Database(tmp_path_factory.mktemp("aging") / "pos.sqlite3")
    till = Till(db, load_device(db))
    juana = add_customer(till, "Juana")
    charge(till, juana, 10_000, local(61, 0))
    charge(till, juana, 20_000, local(31, 86_399))
    charge(till, juana, 5_000, local(30, 0))
    abono(till, juana, 10_000, local(0, 60))
    with db.read() as tx, tx.begin():
        report = reports.aging_report(tx, TODAY, MX)
        assert report == accounts.aging_report(tx, TODAY)
    db.close()
    [account] = report.accounts
    assert (account.balance, account.age_days, account.buckets) == (25_000, 31, (5_000, 20_000, 0, 0))
