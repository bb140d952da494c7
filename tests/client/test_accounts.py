"""Fiado accounts: customers, abonos, statements, FIFO aging, printout and WhatsApp text."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pos_client.receipts.text import render_text
from pos_client.services import accounts, backroom, local
from pos_client.services.accounts import CustomerDraft
from pos_client.services.staff import NotAllowed
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.schema import audit_events, customers, fiado_payments, outbox
from shared.errors import DomainError, UnknownCustomer
from shared.ids import new_uuid7
from shared.permissions import Role
from shared.sale import PaymentMethod
from shared.sync.payloads import (
    FiadoChargePayload,
    FiadoPaymentPayload,
    SaleLinePayload,
    SalePayload,
    SalePaymentPayload,
    SaleReturnLinePayload,
    SaleReturnPayload,
)
from shared.tax import IvaRate

# Noon in Mexico City (UTC-6), so local dates are unambiguous.
DAY1 = datetime(2026, 1, 1, 18, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return DAY1 + timedelta(days=n - 1)


def local_date(n: int) -> date:
    return day(n).date()


def new_customer(store: Database, device: Device, name: str = "Juana Pérez",
                 limit: str = "500") -> uuid.UUID:
    return accounts.save_customer(store, device, CustomerDraft(name, "55 1234 5678", limit)).id


def charge(store: Database, device: Device, customer_id: uuid.UUID, amount: int, at: datetime,
           sale_id: uuid.UUID | None = None, note: str | None = None) -> None:
    with store.write() as conn:
        local.save(conn, device, "fiado_charge", FiadoChargePayload(
            id=new_uuid7(), customer_id=customer_id, amount=amount, sale_id=sale_id, note=note,
            charged_at=at))


def payment(store: Database, device: Device, customer_id: uuid.UUID, amount: int, at: datetime,
            method: PaymentMethod = PaymentMethod.CASH, note: str | None = None) -> None:
    with store.write() as conn:
        local.save(conn, device, "fiado_payment", FiadoPaymentPayload(
            id=new_uuid7(), customer_id=customer_id, amount=amount, method=method, note=note,
            paid_at=at))


def fiado_return(store: Database, device: Device, sale_id: uuid.UUID, amount: int,
                 at: datetime) -> None:
    """Part of a fiado sale returned: the account is credited by the return itself."""
    with store.write() as conn:
        local.save(conn, device, "sale_return", SaleReturnPayload(
            id=new_uuid7(), sale_id=sale_id, amount=amount, refund_method=PaymentMethod.FIADO,
            refund_to_account=amount, reason="No la quiso", returned_at=at,
            lines=[SaleReturnLinePayload(line_no=1, product_id=None, qty_milli=1000,
                                         amount=amount)]))


def fiado_sale(store: Database, device: Device, customer_id: uuid.UUID, amount: int,
               at: datetime, folio: str) -> uuid.UUID:
    """A sale paid on fiado, with its charge, as the counter records it."""
    sale = SalePayload(
        id=new_uuid7(), folio=folio, sold_at=at, total=amount, change=0, customer_id=customer_id,
        lines=[SaleLinePayload(line_no=1, product_id=None, name="Varios", qty_milli=1000,
                               unit_price=amount, total=amount, iva=IvaRate.GENERAL)],
        payments=[SalePaymentPayload(method=PaymentMethod.FIADO, amount=amount, tendered=amount)])
    with store.write() as conn:
        local.save(conn, device, "sale", sale)
    charge(store, device, customer_id, amount, at, sale_id=sale.id)
    return sale.id


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
    assert accounts.normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["123", "55 1234 567", "55-1234-56789", "tel 5512345678",
                                   "415 555 0100 1", "٥٥١٢٣٤٥٦٧٨"])
def test_bad_phones_are_refused_in_spanish(typed: str) -> None:
    with pytest.raises(accounts.InvalidPhone, match="teléfono"):
        accounts.normalize_phone(typed)


def test_save_customer_stores_the_normalized_phone_and_queues_it(store: Database,
                                                                 device: Device) -> None:
    saved = accounts.save_customer(store, device, CustomerDraft(" Juana  Pérez ", "(55) 1234-5678",
                                                                "$1,200.50"))
    with store.read() as conn:
        row = conn.execute(select(customers).where(customers.c.id == str(saved.id))).one()
        queued = conn.execute(select(outbox.c.entity, outbox.c.body)).all()
    assert (row.name, row.phone, row.credit_limit, row.active) == (
        "Juana Pérez", "+525512345678", 120050, 1)
    assert [q.entity for q in queued] == ["customer"]
    assert json.loads(queued[0].body)["payload"]["phone"] == "+525512345678"


def test_editing_keeps_the_id_and_refuses_bad_input(store: Database, device: Device) -> None:
    cid = new_customer(store, device)
    accounts.save_customer(store, device, CustomerDraft("Juana P.", "", "0", active=False, id=cid))
    with store.read() as conn:
        row = conn.execute(select(customers).where(customers.c.id == str(cid))).one()
        assert (row.name, row.phone, row.credit_limit, row.active) == ("Juana P.", None, 0, 0)
    for bad in (CustomerDraft("  ", "5512345678", "10"), CustomerDraft("Ana", "123", "10"),
                CustomerDraft("Ana", "", "-5"), CustomerDraft("Ana", "", "diez"),
                CustomerDraft("Ana", "", "1", id=new_uuid7())):
        with pytest.raises(DomainError):
            accounts.save_customer(store, device, bad)
    with store.read() as conn:
        assert conn.execute(select(customers.c.id)).scalars().all() == [str(cid)]


def test_an_edit_by_a_cashier_is_audited_with_what_changed(store: Database, device: Device) -> None:
    boss = backroom.add_cashier(store, device, "Doña Mary", Role.OWNER, "1234")
    cid = accounts.save_customer(store, device, CustomerDraft("Juana", "5512345678", "500"),
                                 editor=boss).id
    accounts.save_customer(store, device, CustomerDraft("Juana Pérez", "", "800", id=cid),
                           editor=boss)
    accounts.save_customer(store, device, CustomerDraft("Juana Pérez", "", "900", id=cid))  # no editor
    with store.read() as conn:
        events = conn.execute(select(audit_events).order_by(audit_events.c.at)).all()
        sent = conn.execute(select(outbox.c.entity).order_by(outbox.c.device_seq)).scalars().all()
    assert [(e.action, e.cashier_id, e.subject_id) for e in events] == [
        ("customer_edit", str(boss), str(cid))] * 2
    assert events[0].detail == "Alta de Juana: límite $500.00"
    assert events[1].detail == ("Juana Pérez: límite $500.00 → $800.00; nombre «Juana» → «Juana "
                                "Pérez»; teléfono 55 1234 5678 → sin teléfono")
    assert sent == ["cashier", "customer", "audit_event", "customer", "audit_event", "customer"]


def _customer_rows(store: Database) -> list[tuple[str, int]]:
    with store.read() as conn:
        return [(r.name, r.credit_limit) for r in conn.execute(
            select(customers.c.name, customers.c.credit_limit).order_by(customers.c.name))]


def test_only_someone_who_may_give_credit_sets_a_limit(store: Database, device: Device) -> None:
    owner = backroom.add_cashier(store, device, "Doña Mary", Role.OWNER, "1234")
    lalo = backroom.add_cashier(store, device, "Lalo", Role.CASHIER, "4321")
    cid = new_customer(store, device, limit="500")
    raise_it = CustomerDraft("Juana Pérez", "", "5000", id=cid)
    for draft in (raise_it, CustomerDraft("Pedro", "", "100")):  # an edit, a new customer
        with pytest.raises(NotAllowed):
            accounts.save_customer(store, device, draft, editor=lalo)
        with pytest.raises(NotAllowed):  # an approver this till does not know
            accounts.save_customer(store, device, draft, editor=lalo, authorized_by=new_uuid7())
    with store.read() as conn:
        assert conn.execute(select(audit_events)).all() == []
    assert _customer_rows(store) == [("Juana Pérez", 50_000)]

    # Without touching the limit a cajero still edits and adds customers.
    accounts.save_customer(store, device, CustomerDraft("Juana P.", "", "500.00", id=cid), editor=lalo)
    accounts.save_customer(store, device, CustomerDraft("Pedro", "", "0"), editor=lalo)
    # With the owner's PIN the limit changes, and the audit says who allowed it.
    accounts.save_customer(store, device, CustomerDraft("Juana P.", "", "800", id=cid), editor=lalo,
                           authorized_by=owner)
    assert _customer_rows(store) == [("Juana P.", 80_000), ("Pedro", 0)]
    with store.read() as conn:
        events = conn.execute(select(audit_events).order_by(audit_events.c.at)).all()
    assert [(e.cashier_id, e.authorized_by) for e in events] == [(str(lalo), None)] * 2 + [
        (str(lalo), str(owner))]
    assert events[-1].detail == "Juana P.: límite $500.00 → $800.00"


def test_a_refused_edit_writes_no_audit_event(store: Database, device: Device) -> None:
    with pytest.raises(UnknownCustomer):
        accounts.save_customer(store, device, CustomerDraft("Ana", "", "1", id=new_uuid7()),
                               editor=new_uuid7())
    with store.read() as conn:
        assert conn.execute(select(audit_events)).all() == []
        assert conn.execute(select(outbox)).all() == []


# ---- abonos -----------------------------------------------------------------------------------


def test_abono_is_stored_with_method_reference_cashier_and_shift(store: Database,
                                                                  device: Device) -> None:
    cid = new_customer(store, device)
    charge(store, device, cid, 30000, day(1))
    cashier, shift = new_uuid7(), new_uuid7()
    accounts.pay(store, device, cid, 10000, PaymentMethod.TRANSFER, reference=" SPEI  998877 ",
                 note="Pagó su hija", cashier_id=cashier, shift_id=shift)
    with store.read() as conn:
        row = conn.execute(select(fiado_payments)).one()
        assert accounts.balance(conn, cid) == 20000
        assert accounts.available_credit(conn, cid) == 50000 - 20000
        last = conn.execute(select(outbox.c.entity, outbox.c.body)
                            .order_by(outbox.c.device_seq.desc()).limit(1)).one()
        st = accounts.statement(conn, cid)
    assert (row.amount, row.method, row.reference, row.note) == (
        10000, "transferencia", "SPEI 998877", "Pagó su hija")
    assert (row.cashier_id, row.shift_id) == (str(cashier), str(shift))
    assert last.entity == "fiado_payment"
    sent = json.loads(last.body)["payload"]
    assert (sent["reference"], sent["cashier_id"], sent["shift_id"]) == (
        "SPEI 998877", str(cashier), str(shift))
    assert st.entries[-1].description == "Abono en transferencia · Ref. SPEI 998877 · Pagó su hija"


@pytest.mark.parametrize("reference", ["x" * 101, "SPEI\x0012"])
def test_an_abono_with_a_bad_reference_is_refused(store: Database, device: Device,
                                                  reference: str) -> None:
    cid = new_customer(store, device)
    charge(store, device, cid, 30000, day(1))
    with pytest.raises(accounts.PaymentRefused, match="referencia"):
        accounts.pay(store, device, cid, 100, PaymentMethod.CARD, reference=reference)
    with store.read() as conn:
        assert conn.execute(select(fiado_payments)).all() == []


@pytest.mark.parametrize(("amount", "method", "message"), [
    (0, PaymentMethod.CASH, "mayor que cero"),
    (-100, PaymentMethod.CASH, "mayor que cero"),
    (30001, PaymentMethod.CASH, "mayor que el saldo"),
    (100, PaymentMethod.FIADO, "crédito"),
])
def test_bad_abonos_are_refused_and_nothing_is_stored(
    store: Database, device: Device, amount: int, method: PaymentMethod, message: str
) -> None:
    cid = new_customer(store, device)
    charge(store, device, cid, 30000, day(1))
    with pytest.raises(DomainError, match=message):
        accounts.pay(store, device, cid, amount, method)
    with store.read() as conn:
        assert conn.execute(select(fiado_payments)).all() == []
        assert accounts.balance(conn, cid) == 30000


def test_paying_the_whole_balance_then_anything_more_is_refused(store: Database,
                                                                device: Device) -> None:
    cid = new_customer(store, device)
    charge(store, device, cid, 30000, day(1))
    accounts.pay(store, device, cid, 30000, PaymentMethod.CASH)
    with pytest.raises(accounts.PaymentRefused, match="no debe nada"):
        accounts.pay(store, device, cid, 100, PaymentMethod.CASH)


# ---- statement --------------------------------------------------------------------------------


def test_statement_runs_the_balance_in_time_order(store: Database, device: Device) -> None:
    cid = new_customer(store, device)
    # Inserted out of order on purpose: the statement orders by time, not by insertion.
    payment(store, device, cid, 5000, day(10), PaymentMethod.CARD, "Ref. 4321")
    charge(store, device, cid, 20000, day(1), note=accounts.OPENING_NOTE)
    returned = fiado_sale(store, device, cid, 12550, day(5), "T1-000007")
    fiado_return(store, device, returned, 2550, day(12))
    fiado_sale(store, device, cid, 3000, day(12), "T1-000009")  # same instant: charge first
    with store.read() as conn:
        st = accounts.statement(conn, cid)
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


def test_statement_since_starts_from_the_opening_balance(store: Database, device: Device) -> None:
    cid = new_customer(store, device)
    charge(store, device, cid, 20000, day(1))
    payment(store, device, cid, 5000, day(3))
    charge(store, device, cid, 1000, day(20))
    with store.read() as conn:
        st = accounts.statement(conn, cid, since=day(10))
    assert st.opening_balance == 15000
    assert [(e.charge, e.balance) for e in st.entries] == [(1000, 16000)]


def test_statement_document_and_whatsapp_text(store: Database, device: Device) -> None:
    cid = new_customer(store, device)
    returned = fiado_sale(store, device, cid, 12550, day(5), "T1-000007")
    fiado_return(store, device, returned, 2550, day(6))
    payment(store, device, cid, 5000, day(7))
    with store.read() as conn:
        st = accounts.statement(conn, cid)
    text = render_text(accounts.statement_document(st, "Abarrotes Lupita"))
    assert "Estado de cuenta" in text
    assert "Juana Pérez" in text
    assert "05/01/26 12:00 Venta T1-000007" in text  # shown in the shop's time zone
    assert "Devolución -$25.50" in text
    assert "Abono -$50.00" in text
    assert "Saldo actual" in text
    assert "$50.00" in text
    assert "Devoluciones" in text
    assert "Límite de crédito" in text
    message = accounts.statement_message(st, "Abarrotes Lupita")
    assert message.startswith("Hola Juana, le saluda Abarrotes Lupita.")
    assert "es de $50.00" in message
    assert "Último abono: $50.00 el 07/01/2026." in message
    assert "Devolución de T1-000007: -$25.50" in message
    assert len(message) < 600


# ---- balances and FIFO aging ------------------------------------------------------------------


def test_fifo_aging_counts_from_the_oldest_charge_not_yet_paid(store: Database,
                                                              device: Device) -> None:
    cid = new_customer(store, device)
    charge(store, device, cid, 10000, day(1))
    charge(store, device, cid, 8000, day(40))
    payment(store, device, cid, 10000, day(45))  # covers the day-1 charge exactly
    with store.read() as conn:
        [acc] = accounts.balances_report(conn, local_date(50))
    assert (acc.balance, acc.oldest_unpaid, acc.age_days) == (8000, local_date(40), 10)
    assert acc.buckets == (8000, 0, 0, 0)


def test_partial_payment_leaves_the_oldest_charge_aging(store: Database, device: Device) -> None:
    cid = new_customer(store, device)
    charge(store, device, cid, 10000, day(1))
    charge(store, device, cid, 8000, day(40))
    charge(store, device, cid, 500, day(95))
    payment(store, device, cid, 4000, day(45))
    with store.read() as conn:
        report = accounts.aging_report(conn, local_date(101))
    [acc] = report.accounts
    # day 1 → 100 days old (6000 left), day 40 → 61 days, day 95 → 6 days.
    assert (acc.age_days, acc.buckets) == (100, (500, 0, 8000, 6000))
    assert report.totals == (500, 0, 8000, 6000)
    assert report.total == acc.balance == 14500


def test_aging_csv_writes_names_as_text_and_amounts_as_numbers(store: Database, device: Device,
                                                               tmp_path: Path) -> None:
    evil = new_customer(store, device, '=HYPERLINK("http://x","Pagar")')
    charge(store, device, evil, 12_345, day(1))
    with store.read() as conn:
        report = accounts.aging_report(conn, local_date(10))
    path = tmp_path / "saldos.csv"
    assert accounts.write_aging_csv(report, path) == 1
    [_, row, total] = list(csv.reader(path.read_text("utf-8-sig").splitlines()))
    assert row[:4] == ["'=HYPERLINK(\"http://x\",\"Pagar\")", "55 1234 5678", "123.45", "500.00"]
    assert total[:3] == ["Total", "", "123.45"]


def test_balances_report_orders_by_amount_and_by_age(store: Database, device: Device) -> None:
    big_recent = new_customer(store, device, "Beto")
    small_old = new_customer(store, device, "Ana")
    settled = new_customer(store, device, "Carla")
    charge(store, device, big_recent, 90000, day(28))
    charge(store, device, small_old, 1500, day(2))
    charge(store, device, settled, 4000, day(1))
    payment(store, device, settled, 4000, day(3))
    with store.read() as conn:
        by_amount = accounts.balances_report(conn, local_date(30), order="amount")
        by_age = accounts.balances_report(conn, local_date(30), order="age")
    assert [(a.name, a.balance) for a in by_amount] == [("Beto", 90000), ("Ana", 1500)]
    assert [(a.name, a.age_days) for a in by_age] == [("Ana", 28), ("Beto", 2)]


def test_search_by_name_or_phone_digits(store: Database, device: Device) -> None:
    new_customer(store, device, "Juana Pérez")
    accounts.save_customer(store, device, CustomerDraft("Pedro", "33 9876 5432", "0"))
    with store.read() as conn:
        assert [a.name for a in accounts.customers_with_balances(conn, "juana")] == ["Juana Pérez"]
        assert [a.name for a in accounts.customers_with_balances(conn, "9876")] == ["Pedro"]
        assert [a.name for a in accounts.customers_with_balances(conn, "")] == [
            "Juana Pérez", "Pedro"]
