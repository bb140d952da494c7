"""Cortes: expected per payment form from a day of facts, counting, closing, history, printout."""

from __future__ import annotations

import json
import uuid
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from pos_client.receipts.corte import corte_document
from pos_client.receipts.text import COLUMNS, render_text
from pos_client.services import accounts, cortes, returns
from pos_client.services.accounts import CustomerDraft
from pos_client.services.staff import Cashier, NotAllowed
from pos_client.services.till import Till
from pos_client.store.apply import apply_change
from pos_client.store.repositories import outbox
from pos_client.store.schema import audit_events, cash_movements, shift_closes
from pos_client.store.schema import outbox as outbox_table
from shared.clock import utc_now
from shared.corte import (
    MAX_PIECES,
    CorteKind,
    CorteReport,
    InvalidCount,
    count_denominations,
    pending_text,
)
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.permissions import Role
from shared.sale import PaymentMethod
from shared.sync.envelopes import make_change
from shared.sync.payloads import (
    FiadoPaymentPayload,
    SaleReturnLinePayload,
    SaleReturnPayload,
)
from tests.support import ledger
from tests.support.builders import cashier

CASH, CARD, TRANSFER, FIADO = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER,
                               PaymentMethod.FIADO)
TZ = ZoneInfo("America/Mexico_City")


def sell(till: Till, shift_id: uuid.UUID | None, payments: list[tuple[PaymentMethod, int, int]],
         customer_id: uuid.UUID | None = None) -> uuid.UUID:
    """A one-line sale paid as (method, applied, tendered), on ``shift_id`` (a builder: the
    sale's own checks are not what these tests are about)."""
    return ledger.sale(till, payments, shift_id=shift_id, customer_id=customer_id)


def new_customer(till: Till, name: str) -> uuid.UUID:
    return accounts.save_customer(till, CustomerDraft(name, credit_limit="1000")).id


def paper(report: CorteReport, kind: CorteKind) -> str:
    return render_text(corte_document(report, kind, "Abarrotes Lupita", TZ, utc_now()), 58)


@pytest.fixture
def day(till: Till, owner: Cashier) -> uuid.UUID:
    """A float of $500, sales by every form, money in and out, a cash return, two abonos;
    plus facts that belong to no shift of this till and must not count."""
    shift = cortes.open_shift(till, 50_000, owner.id)
    customer = new_customer(till, "Don Beto")
    cash_sale = sell(till, shift, [(CASH, 12_050, 20_000)])
    sell(till, shift, [(CARD, 8_000, 8_000)])
    sell(till, shift, [(TRANSFER, 15_000, 15_000)])
    on_fiado = sell(till, shift, [(FIADO, 6_000, 6_000)], customer_id=customer)
    ledger.fiado_charge(till, customer, 6_000, sale_id=on_fiado)
    sell(till, shift, [(CASH, 3_000, 5_000), (CARD, 2_000, 2_000)])
    returned = sell(till, shift, [(CASH, 4_500, 5_000)])
    returns.return_sale(till, returned, "Producto caducado")
    cortes.move_cash(till, shift, "salida", 10_000, "Pago al de los refrescos")
    cortes.move_cash(till, shift, "entrada", 2_000, "Morralla del banco")
    # Abonos that name no shift: counted by this till and the time they were taken.
    accounts.pay(till, customer, 3_000, CASH)
    accounts.pay(till, customer, 1_000, TRANSFER)
    # Not this shift: a sale with no shift, a movement with no shift, another till's return.
    sell(till, None, [(CASH, 99_900, 99_900)])
    ledger.cash_movement(till, "entrada", 7_700, "Sin turno")
    other_return = SaleReturnPayload(
        id=new_uuid7(), sale_id=cash_sale, amount=12_050, refund_method=CASH, reason="Otra caja",
        lines=[SaleReturnLinePayload(line_no=1, product_id=None, qty_milli=1000, amount=12_050)],
        returned_at=utc_now())
    with till.db.write() as conn:
        apply_change(conn, make_change("sale_return", other_return, change_id=new_uuid7(),
                                       device_seq=1, hlc=1, created_at=utc_now()), uuid.uuid4())
    return shift


def test_expected_per_form_is_exact_to_the_centavo(till: Till, day: uuid.UUID) -> None:
    report = cortes.corte(till, day)
    # 500 float + (120.50 + 30 + 45) cash sales + 20 in − 100 out − 45 refund + 30 abono
    assert report.expected(CASH) == 60_050
    assert report.expected(CARD) == 10_000
    assert report.expected(TRANSFER) == 16_000
    assert report.expected(FIADO) == 6_000
    assert (report.sales_count, report.sales_total) == (6, 50_550)
    assert (report.returns_count, report.cancelled_count) == (1, 1)
    assert (report.cash_in, report.cash_out) == (2_000, 10_000)
    assert [m.reason for m in report.movements] == ["Pago al de los refrescos", "Morralla del banco"]
    assert report.closed_at is None
    assert report.difference(CASH) is None


def test_a_miscounted_corte_shows_the_shortage_and_surplus(
    till: Till, owner: Cashier, day: uuid.UUID
) -> None:
    report = cortes.close_with_corte(till, day, {CASH: 59_050, CARD: 10_000,
                                                            TRANSFER: 16_500}, "Conté dos veces", owner.id)
    assert report.difference(CASH) == -1_000
    assert report.difference(CARD) == 0
    assert report.difference(TRANSFER) == 500
    text = paper(report, "Z")
    assert "Faltante $10.00" in text
    assert "Sobrante $5.00" in text
    assert "Cuadra" in text
    assert "Esperado" in text
    assert "$600.50" in text
    assert "$590.50" in text
    assert "Conté dos veces" in text
    assert all(len(line) <= COLUMNS[58] for line in text.splitlines())


def test_a_corte_z_writes_the_close_its_outbox_change_and_the_audit_in_one_go(
    till: Till, owner: Cashier, day: uuid.UUID
) -> None:
    with till.db.read() as conn:
        before = outbox.counts(conn).pending
    report = cortes.close_with_corte(till, day, {CASH: 60_050}, None, owner.id)
    with till.db.read() as conn:
        close = conn.execute(select(shift_closes).where(shift_closes.c.shift_id == str(day))).one()
        audit = conn.execute(select(audit_events).where(audit_events.c.action == "corte_z")).one()
        queued = conn.execute(select(outbox_table.c.entity).where(outbox_table.c.status == "pending")
                              .order_by(outbox_table.c.device_seq.desc()).limit(2)).scalars().all()
        pending = outbox.counts(conn).pending
    assert json.loads(close.counted) == [{"method": "efectivo", "amount": 60_050}]
    assert close.device_id == str(till.device.device_id)
    assert (audit.subject_id, audit.cashier_id) == (str(day), str(owner.id))
    assert queued == ["audit_event", "shift_close"]
    # Nothing was pushed (there is no server): the close and its audit wait with the rest.
    assert pending == before + 2 == report.pending_changes
    assert report.closed_at is not None
    assert report.difference(CASH) == 0


def test_a_closed_shift_cannot_be_closed_again_nor_moved(
    till: Till, owner: Cashier, day: uuid.UUID
) -> None:
    cortes.close_with_corte(till, day, {CASH: 60_050}, None, owner.id)
    with pytest.raises(cortes.ShiftAlreadyClosed):
        cortes.close_with_corte(till, day, {CASH: 60_050}, None, owner.id)
    with pytest.raises(cortes.ShiftAlreadyClosed):
        cortes.corte_x(till, day, owner.id)
    with pytest.raises(cortes.ShiftAlreadyClosed):
        cortes.move_cash(till, day, "entrada", 100, "Tarde")
    with till.db.read() as conn:
        assert len(conn.execute(select(shift_closes)).all()) == 1
    assert cortes.current_shift(till) is None


def test_unknown_shift_and_bad_counts_are_refused(
    till: Till, owner: Cashier, day: uuid.UUID
) -> None:
    with pytest.raises(cortes.ShiftNotFound):
        cortes.close_with_corte(till, uuid.uuid4(), {CASH: 0}, None, owner.id)
    with pytest.raises(DomainError, match="negativo"):
        cortes.close_with_corte(till, day, {CASH: -5}, None, owner.id)
    with pytest.raises(InvalidCount, match="Fiado"):
        cortes.close_with_corte(till, day, {FIADO: 6_000}, None, owner.id)
    with pytest.raises(InvalidCount, match="efectivo"):
        cortes.close_with_corte(till, day, {CARD: 10_000}, None, owner.id)
    with pytest.raises(DomainError) as bad_note:
        cortes.close_with_corte(till, day, {CASH: 1}, "línea\nrota", owner.id)
    assert bad_note.value.code == "invalid_note"
    with till.db.read() as conn:
        assert conn.execute(select(shift_closes)).all() == []


def test_corte_x_audits_and_closes_nothing(
    till: Till, owner: Cashier, day: uuid.UUID
) -> None:
    report = cortes.corte_x(till, day, owner.id, {CASH: 60_000})
    assert report.difference(CASH) == -50
    assert report.closed_at is None
    with till.db.read() as conn:
        actions = conn.execute(select(audit_events.c.action)).scalars().all()
        assert [a for a in actions if a.startswith("corte")] == ["corte_x"]  # the day has a cancel too
        assert conn.execute(select(shift_closes)).all() == []
    current = cortes.current_shift(till)
    assert current is not None
    assert current.id == day
    assert current.cashier_name == "Doña Mary"
    text = paper(report, "X")
    assert "CORTE X" in text
    assert "Firma" not in text


def test_cash_movements_need_a_reason_an_amount_and_the_cash(
    till: Till, day: uuid.UUID
) -> None:
    with pytest.raises(DomainError, match="motivo"):
        cortes.move_cash(till, day, "entrada", 1_000, "   ")
    with pytest.raises(DomainError, match="mayor que cero"):
        cortes.move_cash(till, day, "salida", 0, "Nada")
    with pytest.raises(DomainError, match=r"debería haber \$600\.50") as short:
        cortes.move_cash(till, day, "salida", 60_051, "Todo y un centavo")
    assert short.value.code == "not_enough_cash"
    cortes.move_cash(till, day, "salida", 60_050, "Retiro a la caja fuerte")
    assert cortes.corte(till, day).expected(CASH) == 0


def test_denominations_add_up_and_slips_are_refused() -> None:
    pieces = {100_000: 1, 50_000: 2, 20_000: 1, 10_000: 3, 5_000: 1, 2_000: 4, 1_000: 5,
              500: 3, 200: 7, 100: 9, 50: 3}
    assert count_denominations(pieces) == 100_000 + 100_000 + 20_000 + 30_000 + 5_000 + \
        8_000 + 5_000 + 1_500 + 1_400 + 900 + 150
    assert count_denominations({}) == 0
    with pytest.raises(InvalidCount, match="negativas"):
        count_denominations({50_000: -1})
    with pytest.raises(InvalidCount, match="Revisa el conteo"):
        count_denominations({100: MAX_PIECES + 1})
    with pytest.raises(InvalidCount, match="no es un billete"):
        count_denominations({300: 1})


def test_history_lists_closed_shifts_newest_first_with_what_was_counted(
    till: Till, owner: Cashier, day: uuid.UUID
) -> None:
    cortes.close_with_corte(till, day, {CASH: 60_000}, None, owner.id)
    second = cortes.open_shift(till, 30_000, owner.id)
    sell(till, second, [(CASH, 1_000, 1_000)])
    cortes.close_with_corte(till, second, {CASH: 31_000}, None, owner.id)
    cortes.open_shift(till, 10_000, owner.id)  # open: not in the history
    history = cortes.overview(till, limit=10).history
    assert [r.shift.id for r in history] == [second, day]
    assert [r.difference(CASH) for r in history] == [0, -50]
    # The second shift's window starts after the first's abonos and refund: they stay in the first.
    assert history[0].expected(CASH) == 31_000
    reprinted = cortes.reprint(till, day, owner.id)
    assert reprinted.difference(CASH) == -50
    with till.db.read() as conn:
        assert conn.execute(select(audit_events.c.action).where(audit_events.c.action == "reprint")
                            ).scalars().all() == ["reprint"]


def test_pending_text_counts_changes() -> None:
    assert pending_text(0) == "Todo está sincronizado."
    assert pending_text(1) == "Queda 1 cambio por sincronizar; sale con la próxima sincronización."
    assert pending_text(12) == ("Quedan 12 cambios por sincronizar; salen con la próxima "
                                "sincronización.")


# ---- refund split and abonos by shift ------------------------------------------------------------


def test_a_mixed_refund_takes_only_its_cash_part_out_of_the_drawer(
    till: Till, owner: Cashier
) -> None:
    shift = cortes.open_shift(till, 50_000, owner.id)
    customer = new_customer(till, "Doña Lupe")
    sale = sell(till, shift, [(FIADO, 3_000, 3_000), (CASH, 5_000, 5_000)], customer)
    before = cortes.corte(till, shift)
    back = returns.return_sale(till, sale, "Cancelación")  # $80: $30 account, $50 cash
    assert (back.amount, back.refund_to_account, back.refund_method) == (8_000, 3_000, CASH)
    after = cortes.corte(till, shift)
    assert before.expected(CASH) == 55_000
    assert after.expected(CASH) == 50_000  # only the cash part came out, not the whole $80
    assert after.forms[CASH].refunds == 5_000
    assert (after.forms[FIADO].refunds, after.expected(FIADO)) == (3_000, 0)


def test_a_return_stored_before_the_split_was_recorded_went_to_the_account_whole(
    till: Till, owner: Cashier
) -> None:
    shift = cortes.open_shift(till, 50_000, owner.id)
    customer = new_customer(till, "Don Beto")
    sale = sell(till, shift, [(FIADO, 6_000, 6_000)], customer)
    with till.db.write() as conn:  # as schema step 8 leaves an older fiado refund
        conn.exec_driver_sql(
            "INSERT INTO sale_returns (id, sale_id, amount, refund_method, reason, device_id, "
            "returned_at) VALUES (?, ?, 6000, 'fiado', 'x', ?, ?)",
            (str(new_uuid7()), str(sale), str(till.device.device_id), utc_now().isoformat()))
    report = cortes.corte(till, shift)
    assert report.forms[CASH].refunds == 0
    assert report.expected(CASH) == 50_000
    assert report.forms[FIADO].refunds == 6_000


def test_abonos_count_on_the_shift_they_name(till: Till, owner: Cashier) -> None:
    shift = cortes.open_shift(till, 50_000, owner.id)
    customer = new_customer(till, "Don Beto")
    ledger.fiado_charge(till, customer, 9_000)
    accounts.pay(till, customer, 1_000, CASH, cashier_id=owner.id, shift_id=shift)
    # Taken on this till while the shift is open, but into another drawer (another shift).
    accounts.pay(till, customer, 2_000, CASH, shift_id=new_uuid7())
    # No shift named: counted by device and time, as before.
    accounts.pay(till, customer, 400, CARD)
    # Another till's abono naming this shift (it was taken into this drawer).
    other = FiadoPaymentPayload(id=new_uuid7(), customer_id=customer, amount=300, method=CASH,
                                shift_id=shift, paid_at=utc_now())
    with till.db.write() as conn:
        apply_change(conn, make_change("fiado_payment", other, change_id=new_uuid7(), device_seq=1,
                                       hlc=1, created_at=utc_now()), uuid.uuid4())
    report = cortes.corte(till, shift)
    assert report.forms[CASH].abonos == 1_300
    assert report.forms[CARD].abonos == 400
    assert report.expected(CASH) == 51_300


def _drawer_events(till: Till) -> list:  # type: ignore[type-arg]
    with till.db.read() as conn:
        return conn.execute(select(audit_events).where(audit_events.c.action == "open_drawer")
                            .order_by(audit_events.c.at)).all()


def test_cash_out_keeps_who_took_it_and_who_allowed_it_in_one_transaction(
    till: Till, owner: Cashier, day: uuid.UUID
) -> None:
    lalo = cashier(till, "Lalo", Role.CASHIER, "4321").id
    with till.db.read() as conn:
        before = outbox.counts(conn).pending
    earlier = len(_drawer_events(till))  # the day's own two movements
    moved = cortes.move_cash(till, day, "salida", 15_000, "  Pago al del gas ",
                             cashier_id=lalo, authorized_by=owner.id)
    [event] = _drawer_events(till)[earlier:]
    assert (event.cashier_id, event.authorized_by, event.subject_id) == (str(lalo), str(owner.id),
                                                                         str(moved))
    assert event.detail == "Salida de $150.00: Pago al del gas"
    with till.db.read() as conn:
        row = conn.execute(select(cash_movements).where(cash_movements.c.id == str(moved))).one()
        queued = conn.execute(select(outbox_table.c.entity).where(outbox_table.c.status == "pending")
                              .order_by(outbox_table.c.device_seq.desc()).limit(2)).scalars().all()
        assert outbox.counts(conn).pending == before + 2
    assert (row.direction, row.amount, row.reason, row.shift_id) == ("salida", 15_000,
                                                                     "Pago al del gas", str(day))
    assert queued == ["audit_event", "cash_movement"]

    # The owner moving cash on their own: no one else authorized it.
    cortes.move_cash(till, day, "entrada", 2_000, "Morralla", cashier_id=owner.id,
                     authorized_by=owner.id)
    events = _drawer_events(till)
    assert [(e.detail, e.authorized_by) for e in events][-1] == ("Entrada de $20.00: Morralla", None)


def test_cash_moved_by_someone_without_the_permission_writes_nothing(
    till: Till, day: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    lalo = cashier(till, "Lalo", Role.CASHIER, "4321").id
    earlier = _drawer_events(till)
    with pytest.raises(NotAllowed):
        cortes.move_cash(till, day, "salida", 1_000, "Refresco", cashier_id=lalo)
    with pytest.raises(NotAllowed):
        cortes.move_cash(till, day, "salida", 1_000, "Refresco", cashier_id=lalo,
                         authorized_by=uuid.uuid4())  # nobody this till knows
    # A crash between the movement and its audit leaves neither.
    monkeypatch.setattr(cortes.staff, "audit", _boom)
    with pytest.raises(RuntimeError):
        cortes.move_cash(till, day, "salida", 1_000, "Refresco")
    with till.db.read() as conn:
        reasons = conn.execute(select(cash_movements.c.reason)).scalars().all()
    assert "Refresco" not in reasons
    assert _drawer_events(till) == earlier


def _boom(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("disk unplugged")


def test_a_reprinted_corte_z_does_not_claim_todays_pending_changes(
    till: Till, owner: Cashier, day: uuid.UUID
) -> None:
    closed = cortes.close_with_corte(till, day, {CASH: 60_050}, None, owner.id)
    at_close = paper(closed, "Z")
    assert f"Quedan {closed.pending_changes} cambios" in " ".join(at_close.split())
    cortes.open_shift(till, 10_000, owner.id)  # more changes pile up afterwards
    again = cortes.reprint(till, day, owner.id)
    assert again.pending_changes is None
    text = paper(again, "Z")
    assert "sincroniz" not in text
    assert "Faltante" not in text
    assert "Cuadra" in text
    assert text.split("Impreso")[0] == at_close.split("Impreso")[0]
