"""Fiado accounts: customers, abonos, statements, FIFO aging, printout and WhatsApp text."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pos_client.receipts.statement import statement_document
from pos_client.receipts.text import render_text
from pos_client.services import accounts, messages
from pos_client.services.accounts import CustomerDraft
from pos_client.services.staff import NotAllowed
from pos_client.services.till import Till
from pos_client.store.schema import audit_events, customers, fiado_payments, outbox
from shared.errors import DomainError, UnknownCustomer
from shared.ids import new_uuid7
from shared.permissions import Role
from shared.phone import InvalidPhone, normalize_phone
from shared.sale import PaymentMethod
from tests.support.builders import cashier
from tests.support.ledger import fiado_charge, fiado_payment, fiado_return, fiado_sale

# Noon in Mexico City (UTC-6), so local dates are unambiguous.
DAY1 = datetime(2026, 1, 1, 18, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return DAY1 + timedelta(days=n - 1)


def local_date(n: int) -> date:
    return day(n).date()


def on(till: Till, n: int) -> Till:
    """The same till on day ``n`` at noon (the shop's "today" for balances and aging)."""
    return Till(till.db, till.device, now=lambda: day(n))


def new_customer(till: Till, name: str = "Juana Pérez", limit: str = "500") -> uuid.UUID:
    return accounts.save_customer(till, CustomerDraft(name, "55 1234 5678", limit)).id


def charge(till: Till, customer_id: uuid.UUID, amount: int, at: datetime,
           note: str | None = None) -> None:
    fiado_charge(till, customer_id, amount, at=at, note=note)


def payment(till: Till, customer_id: uuid.UUID, amount: int, at: datetime,
            method: PaymentMethod = PaymentMethod.CASH, note: str | None = None) -> None:
    fiado_payment(till, customer_id, amount, at=at, method=method, note=note)


# ---- customers and phones ---------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [
    ("(55) 1234-5678", "+525512345678"),
    ("55 1234 5678", "+525512345678"),
    ("+52 55 1234 5678", "+525512345678"),
    ("52 5512345678", "+525512345678"),
    ("+521 55 1234 5678", "+525512345678"),
    ("+1 415 555 0100", "+14155550100"),
    ("", None),
])
def test_phone_is_normalized_for_whatsapp(typed: str, stored: str | None) -> None:
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["123", "55 1234 567", "55-1234-56789", "tel 5512345678",
                                   "415 555 0100 1", "٥٥١٢٣٤٥٦٧٨"])
def test_bad_phones_are_refused_in_spanish(typed: str) -> None:
    with pytest.raises(InvalidPhone, match="teléfono"):
        normalize_phone(typed)


def test_save_customer_stores_the_normalized_phone_and_queues_it(till: Till) -> None:
    saved = accounts.save_customer(till, CustomerDraft(" Juana  Pérez ", "(55) 1234-5678",
                                                                "$1,200.50"))
    with till.db.read() as conn:
        row = conn.execute(select(customers).where(customers.c.id == str(saved.id))).one()
        queued = conn.execute(select(outbox.c.entity, outbox.c.body)).all()
    assert (row.name, row.phone, row.credit_limit, row.active) == (
        "Juana Pérez", "+525512345678", 120050, 1)
    assert [q.entity for q in queued] == ["customer"]
    assert json.loads(queued[0].body)["payload"]["phone"] == "+525512345678"


def test_editing_keeps_the_id_and_refuses_bad_input(till: Till) -> None:
    cid = new_customer(till)
    accounts.save_customer(till, CustomerDraft("Juana P.", "", "0", active=False, id=cid))
    with till.db.read() as conn:
        row = conn.execute(select(customers).where(customers.c.id == str(cid))).one()
        assert (row.name, row.phone, row.credit_limit, row.active) == ("Juana P.", None, 0, 0)
    for bad in (CustomerDraft("  ", "5512345678", "10"), CustomerDraft("Ana", "123", "10"),
                CustomerDraft("Ana", "", "-5"), CustomerDraft("Ana", "", "diez"),
                CustomerDraft("Ana", "", "1", id=new_uuid7())):
        with pytest.raises(DomainError):
            accounts.save_customer(till, bad)
    with till.db.read() as conn:
        assert conn.execute(select(customers.c.id)).scalars().all() == [str(cid)]


def test_an_edit_by_a_cashier_is_audited_with_what_changed(till: Till) -> None:
    boss = cashier(till, "Doña Mary", Role.OWNER, "1234").id
    cid = accounts.save_customer(till, CustomerDraft("Juana", "5512345678", "500"),
                                 editor=boss).id
    accounts.save_customer(till, CustomerDraft("Juana Pérez", "", "800", id=cid),
                           editor=boss)
    accounts.save_customer(till, CustomerDraft("Juana Pérez", "", "900", id=cid))  # no editor
    with till.db.read() as conn:
        events = conn.execute(select(audit_events).order_by(audit_events.c.at)).all()
        sent = conn.execute(select(outbox.c.entity).order_by(outbox.c.device_seq)).scalars().all()
    assert [(e.action, e.cashier_id, e.subject_id) for e in events] == [
        ("customer_edit", str(boss), str(cid))] * 2
    assert events[0].detail == "Alta de Juana: límite $500.00"
    assert events[1].detail == ("Juana Pérez: límite $500.00 → $800.00; nombre «Juana» → «Juana "
                                "Pérez»; teléfono 55 1234 5678 → sin teléfono")
    assert sent == ["cashier", "customer", "audit_event", "customer", "audit_event", "customer"]


def _customer_rows(till: Till) -> list[tuple[str, int]]:
    with till.db.read() as conn:
        return [(r.name, r.credit_limit) for r in conn.execute(
            select(customers.c.name, customers.c.credit_limit).order_by(customers.c.name))]


def test_only_someone_who_may_give_credit_sets_a_limit(till: Till) -> None:
    owner = cashier(till, "Doña Mary", Role.OWNER, "1234").id
    lalo = cashier(till, "Lalo", Role.CASHIER, "4321").id
    cid = new_customer(till, limit="500")
    raise_it = CustomerDraft("Juana Pérez", "", "5000", id=cid)
    for draft in (raise_it, CustomerDraft("Pedro", "", "100")):  # an edit, a new customer
        with pytest.raises(NotAllowed):
            accounts.save_customer(till, draft, editor=lalo)
        with pytest.raises(NotAllowed):  # an approver this till does not know
            accounts.save_customer(till, draft, editor=lalo, authorized_by=new_uuid7())
    with till.db.read() as conn:
        assert conn.execute(select(audit_events)).all() == []
    assert _customer_rows(till) == [("Juana Pérez", 50_000)]

    # Without touching the limit a cajero still edits and adds customers.
    accounts.save_customer(till, CustomerDraft("Juana P.", "", "500.00", id=cid), editor=lalo)
    accounts.save_customer(till, CustomerDraft("Pedro", "", "0"), editor=lalo)
    # With the owner's PIN the limit changes, and the audit says who allowed it.
    accounts.save_customer(till, CustomerDraft("Juana P.", "", "800", id=cid), editor=lalo,
                           authorized_by=owner)
    assert _customer_rows(till) == [("Juana P.", 80_000), ("Pedro", 0)]
    with till.db.read() as conn:
        events = conn.execute(select(audit_events).order_by(audit_events.c.at)).all()
    assert [(e.cashier_id, e.authorized_by) for e in events] == [(str(lalo), None)] * 2 + [
        (str(lalo), str(owner))]
    assert events[-1].detail == "Juana P.: límite $500.00 → $800.00"


def test_a_refused_edit_writes_no_audit_event(till: Till) -> None:
    with pytest.raises(UnknownCustomer):
        accounts.save_customer(till, CustomerDraft("Ana", "", "1", id=new_uuid7()),
                               editor=new_uuid7())
    with till.db.read() as conn:
        assert conn.execute(select(audit_events)).all() == []
        assert conn.execute(select(outbox)).all() == []


# ---- abonos -----------------------------------------------------------------------------------


def test_abono_is_stored_with_method_reference_cashier_and_shift(till: Till) -> None:
    cid = new_customer(till)
    charge(till, cid, 30000, day(1))
    cashier, shift = new_uuid7(), new_uuid7()
    accounts.pay(till, cid, 10000, PaymentMethod.TRANSFER, reference=" SPEI  998877 ",
                 note="Pagó su hija", cashier_id=cashier, shift_id=shift)
    with till.db.read() as conn:
        row = conn.execute(select(fiado_payments)).one()
        assert accounts.account(till, cid).balance == 20000
        assert accounts.account(till, cid).available == 50000 - 20000
        last = conn.execute(select(outbox.c.entity, outbox.c.body)
                            .order_by(outbox.c.device_seq.desc()).limit(1)).one()
        st = accounts.statement(till, cid)
    assert (row.amount, row.method, row.reference, row.note) == (
        10000, "transferencia", "SPEI 998877", "Pagó su hija")
    assert (row.cashier_id, row.shift_id) == (str(cashier), str(shift))
    assert last.entity == "fiado_payment"
    sent = json.loads(last.body)["payload"]
    assert (sent["reference"], sent["cashier_id"], sent["shift_id"]) == (
        "SPEI 998877", str(cashier), str(shift))
    assert st.entries[-1].description == "Abono en transferencia · Ref. SPEI 998877 · Pagó su hija"


@pytest.mark.parametrize("reference", ["x" * 101, "SPEI\x0012"])
def test_an_abono_with_a_bad_reference_is_refused(till: Till,
                                                  reference: str) -> None:
    cid = new_customer(till)
    charge(till, cid, 30000, day(1))
    with pytest.raises(accounts.PaymentRefused, match="referencia"):
        accounts.pay(till, cid, 100, PaymentMethod.CARD, reference=reference)
    with till.db.read() as conn:
        assert conn.execute(select(fiado_payments)).all() == []


@pytest.mark.parametrize(("amount", "method", "message"), [
    (0, PaymentMethod.CASH, "mayor que cero"),
    (-100, PaymentMethod.CASH, "mayor que cero"),
    (30001, PaymentMethod.CASH, "mayor que el saldo"),
    (100, PaymentMethod.FIADO, "crédito"),
])
def test_bad_abonos_are_refused_and_nothing_is_stored(
    till: Till, amount: int, method: PaymentMethod, message: str
) -> None:
    cid = new_customer(till)
    charge(till, cid, 30000, day(1))
    with pytest.raises(DomainError, match=message):
        accounts.pay(till, cid, amount, method)
    with till.db.read() as conn:
        assert conn.execute(select(fiado_payments)).all() == []
        assert accounts.account(till, cid).balance == 30000


def test_paying_the_whole_balance_then_anything_more_is_refused(till: Till) -> None:
    cid = new_customer(till)
    charge(till, cid, 30000, day(1))
    accounts.pay(till, cid, 30000, PaymentMethod.CASH)
    with pytest.raises(accounts.PaymentRefused, match="no debe nada"):
        accounts.pay(till, cid, 100, PaymentMethod.CASH)


# ---- statement --------------------------------------------------------------------------------


def test_statement_runs_the_balance_in_time_order(till: Till) -> None:
    cid = new_customer(till)
    # Inserted out of order on purpose: the statement orders by time, not by insertion.
    payment(till, cid, 5000, day(10), PaymentMethod.CARD, "Ref. 4321")
    charge(till, cid, 20000, day(1), note=accounts.OPENING_NOTE)
    returned = fiado_sale(till, cid, 12550, at=day(5), folio="T1-000007")
    fiado_return(till, returned, 2550, at=day(12))
    fiado_sale(till, cid, 3000, at=day(12), folio="T1-000009")  # same instant: charge first
    st = accounts.statement(till, cid)
    assert [(e.kind, e.description) for e in st.entries] == [
        ("cargo", "Saldo de la libreta"), ("venta", "Venta T1-000007"),
        ("abono", "Abono en tarjeta · Ref. 4321"), ("venta", "Venta T1-000009"),
        ("devolucion", "Devolución de T1-000007")]
    for i, e in enumerate(st.entries):
        seen = st.entries[: i + 1]
        assert e.balance == sum(x.charge for x in seen) - sum(x.payment for x in seen)
    assert [e.balance for e in st.entries] == [20000, 32550, 27550, 30550, 28000]
    assert (st.opening_balance, st.charged, st.paid, st.returned, st.closing_balance) == (
        0, 35550, 5000, 2550, 28000)


def test_statement_since_starts_from_the_opening_balance(till: Till) -> None:
    cid = new_customer(till)
    charge(till, cid, 20000, day(1))
    payment(till, cid, 5000, day(3))
    charge(till, cid, 1000, day(20))
    st = accounts.statement(till, cid, since=day(10))
    assert st.opening_balance == 15000
    assert [(e.charge, e.balance) for e in st.entries] == [(1000, 16000)]


def test_statement_document_and_whatsapp_text(till: Till) -> None:
    cid = new_customer(till)
    returned = fiado_sale(till, cid, 12550, at=day(5), folio="T1-000007")
    fiado_return(till, returned, 2550, at=day(6))
    payment(till, cid, 5000, day(7))
    till.device.shop_name = "Abarrotes Lupita"
    st = accounts.statement(till, cid)
    text = render_text(statement_document(st))
    assert "Estado de cuenta" in text
    assert "Juana Pérez" in text
    assert "05/01/26 12:00 Venta T1-000007" in text  # shown in the shop's time zone
    assert "Devolución -$25.50" in text
    assert "Abono -$50.00" in text
    assert "Saldo actual" in text
    assert "$50.00" in text
    assert "Devoluciones" in text
    assert "Límite de crédito" in text
    message = messages.statement_text(st)
    assert message.startswith("Hola Juana, le saluda Abarrotes Lupita.")
    assert "es de $50.00" in message
    assert "Último abono: $50.00 el 07/01/2026." in message
    assert "Devolución de T1-000007: -$25.50" in message
    assert len(message) < 600


# ---- balances and FIFO aging ------------------------------------------------------------------


def test_fifo_aging_counts_from_the_oldest_charge_not_yet_paid(till: Till) -> None:
    cid = new_customer(till)
    charge(till, cid, 10000, day(1))
    charge(till, cid, 8000, day(40))
    payment(till, cid, 10000, day(45))  # covers the day-1 charge exactly
    with till.db.read() as conn:
        [acc] = accounts.aging_report(conn, local_date(50), "amount").accounts
    assert (acc.balance, acc.oldest_unpaid, acc.age_days) == (8000, local_date(40), 10)
    assert acc.buckets == (8000, 0, 0, 0)


def test_the_customers_page_ages_debts_by_the_tills_clock(till: Till) -> None:
    """Screens get "today" from the till they run on, not from the computer's clock."""
    cid = new_customer(till)
    charge(till, cid, 10000, day(1))
    charge(till, cid, 8000, day(40))
    payment(till, cid, 10000, day(45))
    seen = accounts.overview(on(till, 50), "juana")
    assert [(a.name, a.age_days) for a in seen.accounts] == [("Juana Pérez", 10)]
    assert [a.age_days for a in seen.aging.accounts] == [10]
    assert accounts.account(on(till, 70), cid).age_days == 30
    assert accounts.overview(on(till, 50), "nadie").accounts == []


def test_partial_payment_leaves_the_oldest_charge_aging(till: Till) -> None:
    cid = new_customer(till)
    charge(till, cid, 10000, day(1))
    charge(till, cid, 8000, day(40))
    charge(till, cid, 500, day(95))
    payment(till, cid, 4000, day(45))
    with till.db.read() as conn:
        report = accounts.aging_report(conn, local_date(101))
    [acc] = report.accounts
    # day 1 → 100 days old (6000 left), day 40 → 61 days, day 95 → 6 days.
    assert (acc.age_days, acc.buckets) == (100, (500, 0, 8000, 6000))
    assert report.totals == (500, 0, 8000, 6000)
    assert report.total == acc.balance == 14500


def test_aging_csv_writes_names_as_text_and_amounts_as_numbers(till: Till,
                                                               tmp_path: Path) -> None:
    evil = new_customer(till, '=HYPERLINK("http://x","Pagar")')
    charge(till, evil, 12_345, day(1))
    with till.db.read() as conn:
        report = accounts.aging_report(conn, local_date(10))
    path = tmp_path / "saldos.csv"
    assert accounts.write_aging_csv(report, path) == 1
    [_, row, total] = list(csv.reader(path.read_text("utf-8-sig").splitlines()))
    assert row[:4] == ["'=HYPERLINK(\"http://x\",\"Pagar\")", "55 1234 5678", "123.45", "500.00"]
    assert total[:3] == ["Total", "", "123.45"]


def test_balances_report_orders_by_amount_and_by_age(till: Till) -> None:
    big_recent = new_customer(till, "Beto")
    small_old = new_customer(till, "Ana")
    settled = new_customer(till, "Carla")
    charge(till, big_recent, 90000, day(28))
    charge(till, small_old, 1500, day(2))
    charge(till, settled, 4000, day(1))
    payment(till, settled, 4000, day(3))
    with till.db.read() as conn:
        by_amount = accounts.aging_report(conn, local_date(30), "amount").accounts
        by_age = accounts.aging_report(conn, local_date(30), "age").accounts
    assert [(a.name, a.balance) for a in by_amount] == [("Beto", 90000), ("Ana", 1500)]
    assert [(a.name, a.age_days) for a in by_age] == [("Ana", 28), ("Beto", 2)]


def test_search_by_name_or_phone_digits(till: Till) -> None:
    new_customer(till, "Juana Pérez")
    accounts.save_customer(till, CustomerDraft("Pedro", "33 9876 5432", "0"))
    assert [a.name for a in accounts.search(till, "juana")] == ["Juana Pérez"]
    assert [a.name for a in accounts.search(till, "9876")] == ["Pedro"]
    assert [a.name for a in accounts.search(till, "")] == ["Juana Pérez", "Pedro"]
