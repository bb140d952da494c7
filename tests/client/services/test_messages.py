"""Asking for a statement by WhatsApp at the till: checked, stored, queued in the outbox."""

from __future__ import annotations

import json
import uuid

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from pos_client.services import accounts, messages
from pos_client.store.apply import apply_changes
from shared.clock import utc_now
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.sync.envelopes import make_change
from shared.sync.message_status import MessageStatusPayload
from shared.sync.payloads import MessageRequestPayload

pytestmark = pytest.mark.unit

BODY = "Hola Lupe, le saluda Abarrotes Doña Mary.\nSu saldo es de $120.00.\n¡Gracias!"


def _customer(till, phone="55 1234 5678", name="Lupe Hernández") -> uuid.UUID:
    return accounts.save_customer(till, accounts.CustomerDraft(name, phone, "500")).id


def _outbox(till) -> list[tuple[str, str, dict]]:
    with till.db.read() as conn:
        rows = conn.execute(text("SELECT entity, status, body FROM outbox "
                                 "WHERE entity = 'message_request' ORDER BY device_seq")).all()
    return [(r.entity, r.status, json.loads(r.body)) for r in rows]


def test_a_statement_is_stored_and_queued_in_one_change(till):
    customer = _customer(till)
    cashier = uuid.uuid4()
    request = messages.request_statement(till, customer, BODY, cashier)

    with till.db.read() as conn:
        row = conn.execute(text("SELECT * FROM message_requests")).one()
    assert messages.pending_requests(till, customer) == [request]
    assert (row.id, row.customer_id, row.to_phone, row.kind, row.text) == (
        str(request.id), str(customer), "+525512345678", "statement", BODY)
    assert (row.cashier_id, row.device_id) == (str(cashier), str(till.device.device_id))
    assert request.state == "en_cola"
    assert request.to == "+525512345678"
    [(entity, status, change)] = _outbox(till)
    assert (entity, status, change["kind"], change["op"]) == ("message_request", "pending", "fact",
                                                              "insert")
    assert change["payload"]["text"] == BODY
    assert change["payload"]["id"] == str(request.id)


def test_a_double_tap_queues_one_message_and_a_new_text_queues_another(till):
    customer = _customer(till)
    first = messages.request_statement(till, customer, BODY)
    again = messages.request_statement(till, customer, BODY)
    assert again.id == first.id
    assert len(_outbox(till)) == 1
    newer = messages.request_statement(till, customer, BODY + "\nAbono: $20.00")
    assert newer.id != first.id
    assert len(_outbox(till)) == 2
    assert [r.id for r in messages.pending_requests(till, customer)] == [newer.id, first.id]


def test_the_state_follows_the_outbox(till):
    customer = _customer(till)
    request = messages.request_statement(till, customer, BODY)
    for status, state in (("accepted", "en_servidor"), ("rejected", "rechazada")):
        with till.db.write() as conn:
            conn.execute(text("UPDATE outbox SET status = :s WHERE entity = 'message_request'"),
                         {"s": status})
        assert [r.state for r in messages.requests(till, customer)] == [state]
        assert messages.pending_requests(till, customer) == []
    # Once the server has it, asking again is a new message, not the old request.
    assert messages.request_statement(till, customer, BODY).id != request.id


def test_a_customer_without_phone_or_gone_is_refused(till):
    no_phone = _customer(till, phone="")
    with pytest.raises(messages.NoPhone, match="no tiene teléfono de WhatsApp") as err:
        messages.request_statement(till, no_phone, BODY)
    assert err.value.code == "customer_without_phone"
    with pytest.raises(DomainError, match="ya no existe"):
        messages.request_statement(till, uuid.uuid4(), BODY)
    assert _outbox(till) == []


@pytest.mark.parametrize(("body", "code"), [
    ("", "empty_message"), ("  \n ", "empty_message"), ("x" * 4097, "message_too_long"),
    ("Hola\x00", "invalid_message_text"), ("Hola\x1b[31m", "invalid_message_text"),
])
def test_bad_texts_are_refused_in_spanish(till, body, code):
    customer = _customer(till)
    with pytest.raises(messages.MessageRefused) as err:
        messages.request_statement(till, customer, body)
    assert err.value.code == code
    assert _outbox(till) == []
    with till.db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM message_requests")).scalar_one() == 0


def test_windows_line_ends_and_tabs_are_made_plain(till):
    customer = _customer(till)
    request = messages.request_statement(till, customer, "Hola\r\nSaldo:\t$1.00\r\n" + "x" * 4070)
    assert request.text.startswith("Hola\nSaldo: $1.00\n")


def test_the_wire_allows_line_breaks_and_no_other_control_character():
    base = {"id": uuid.uuid4(), "customer_id": uuid.uuid4(), "to": "+525512345678",
            "kind": "statement", "requested_at": utc_now()}
    assert MessageRequestPayload(text="Hola\nSaldo", **base).text == "Hola\nSaldo"
    assert len(MessageRequestPayload(text="x" * 4096, **base).text) == 4096
    for bad in ("a\tb", "a\rb", "a\x00", "a\x7f", "", "x" * 4097):
        with pytest.raises(ValidationError):
            MessageRequestPayload(text=bad, **base)
    with pytest.raises(ValidationError):
        MessageRequestPayload(text="Hola", **{**base, "to": "55 1234 5678"})
    with pytest.raises(ValidationError):
        MessageRequestPayload(text="Hola", **{**base, "kind": "promo"})


def _told(till, message_id: uuid.UUID, customer_id: uuid.UUID, status: str, hlc: int,
          reason: str | None = None, kind: str = "statement", requested_at=None) -> None:
    """The server's message_status record, applied as a pulled page applies it."""
    now = utc_now()
    payload = MessageStatusPayload(id=message_id, customer_id=customer_id, kind=kind,
                                   status=status, reason=reason,
                                   requested_at=requested_at or now, changed_at=now)
    with till.db.write() as tx:
        apply_changes(tx, [(make_change("message_status", payload, change_id=new_uuid7(),
                                        device_seq=0, hlc=hlc, created_at=now), None)])


def test_the_last_message_line_follows_the_server_and_keeps_its_newest_word(till):
    customer = _customer(till)
    assert messages.last_message(till, customer) is None
    request = messages.request_statement(till, customer, BODY)
    waiting = messages.last_message(till, customer)
    assert waiting is not None
    assert waiting.text.startswith("Último mensaje (Estado de cuenta, ")
    assert waiting.text.endswith("): En cola en esta caja: sale con la próxima sincronización")
    assert (waiting.status, waiting.ok) == ("en_cola", True)

    base = 1_000_000 << 16
    _told(till, request.id, customer, "read", base + 3)  # pulled in any order: read wins
    _told(till, request.id, customer, "delivered", base + 2)
    _told(till, request.id, customer, "queued", base + 1)
    read = messages.last_message(till, customer)
    assert read is not None
    assert (read.status, read.ok) == ("read", True)
    assert read.text.endswith("): Leído")

    # A later message the server told of (another till's statement, a reminder) is the last one.
    _told(till, uuid.uuid4(), customer, "failed", base + 4, reason="El número no tiene WhatsApp.",
          kind="reminder", requested_at=utc_now())
    failed = messages.last_message(till, customer)
    assert failed is not None
    assert failed.text.startswith("Último mensaje (Recordatorio de saldo, ")
    assert failed.text.endswith("): No se pudo enviar: El número no tiene WhatsApp.")
    assert (failed.status, failed.ok) == ("failed", False)
