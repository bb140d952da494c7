"""Nobody is messaged who did not ask: a statement goes only to a person who wrote to the shop
(or verified), not after BAJA; outside the 24-hour window only as the approved template (with
the statement as a PDF); the platform's cap per person per day; a new shop's lower cap."""

from __future__ import annotations

import uuid

import pytest

from pos_client.services import accounts, messages
from pos_client.services.till import Till
from pos_client.sync import whatsapp
from pos_client.sync.client import SyncRefused
from sync_server.services.whatsapp import OPTED_OUT
from tests.support.server import ServerHarness
from tests.support.wait import wait_until
from tests.support.whatsapp import (
    SHOP_NUMBER_ID,
    message,
    post,
    settings_for,
    shop_owns_number,
    wait_handled,
)

pytestmark = pytest.mark.e2e
TO = "525512345678"


@pytest.fixture
def server(database_url, graph, request):
    harness = ServerHarness(database_url, **settings_for(graph, **getattr(request, "param", {})))
    harness.start()
    yield harness
    harness.stop()


@pytest.fixture
def till(server, shop, paired_device):
    shop_owns_number(server, shop.tenant_id)
    pos = paired_device("caja-1")
    pos.customer = accounts.save_customer(Till(pos.db, pos.device), accounts.CustomerDraft(
        "Guadalupe Hernández", "55 1234 5678", "500")).id
    return pos


def _statement(till, text: str = "Hola, su saldo es de $120.00.") -> None:
    messages.request_statement(Till(till.db, till.device), till.customer, text)
    till.agent.sync_once()


def _statuses(server) -> list[tuple[str, str | None]]:
    return [(r["status"], r["last_error"]) for r in server.admin(
        "SELECT status, last_error FROM outbound_messages WHERE kind = 'statement' "
        "ORDER BY requested_at")]


def _settled(server, n: int) -> list[tuple[str, str | None]]:
    wait_until(lambda: len(_statuses(server)) == n and all(
        s not in ("pending", "sending") for s, _ in _statuses(server)), timeout=15,
        what=f"{n} statements settled")
    return _statuses(server)


def _writes(server, text: str) -> None:
    post(server, message(text, number=SHOP_NUMBER_ID))
    wait_handled(server)


def test_a_statement_to_someone_who_never_wrote_is_not_sent(server, till, graph):
    _statement(till)
    [(status, why)] = _settled(server, 1)
    assert status == "no_consent"
    assert "pendiente de confirmar" in why
    assert graph.sent() == []


def test_after_writing_it_goes_after_baja_it_does_not_and_alta_brings_it_back(server, till, graph):
    _writes(server, "hola")
    _statement(till, "Estado 1")
    assert _settled(server, 1)[-1][0] == "sent"
    _writes(server, "BAJA")
    _statement(till, "Estado 2")
    assert _settled(server, 2)[-1] == (
        "no_consent", "El cliente pidió no recibir mensajes (BAJA). Puede volver a darse de alta "
                      "con ALTA.")
    _writes(server, "ALTA")
    _statement(till, "Estado 3")
    assert _settled(server, 3)[-1][0] == "sent"
    sent = [r.body["text"]["body"] for r in graph.sent()
            if r.body.get("type") == "text" and r.body["text"]["body"].startswith("Estado")]
    assert sent == ["Estado 1", "Estado 3"]


def test_outside_the_window_the_statement_goes_as_the_template_with_its_pdf(server, till, graph):
    _writes(server, "hola")
    server.admin("UPDATE wa_contacts SET last_inbound_at = now() - interval '25 hours'")
    _statement(till, "Estado de cuenta\nSaldo: $120.00")
    assert _settled(server, 1)[-1][0] == "sent"
    [template] = [r.body for r in graph.sent() if r.body.get("type") == "template"]
    assert template["to"] == TO
    assert template["template"]["name"] == "estado_de_cuenta"
    assert template["template"]["language"] == {"code": "es_MX"}
    header = template["template"]["components"][0]
    assert header["parameters"][0]["document"]["filename"] == "estado-de-cuenta.pdf"
    [upload] = graph.uploads()
    assert upload.body["pdf"]
    assert upload.body["multipart"]
    [row] = server.admin("SELECT template FROM outbound_messages WHERE kind = 'statement'")
    assert row["template"] == "estado_de_cuenta"


@pytest.mark.parametrize("server", [{"whatsapp_recipient_daily_cap": 2}], indirect=True)
def test_the_platforms_cap_per_person_per_day(server, till, graph):
    _writes(server, "hola")
    for n in range(3):
        _statement(till, f"Estado {n}")
    assert [s for s, _ in _settled(server, 3)] == ["sent", "sent", "capped"]


def test_a_new_shop_has_a_lower_daily_cap(server, till, graph):
    from sync_server.sync.checks import NEW_SHOP_MESSAGES_PER_DAY

    t = Till(till.db, till.device)
    for n in range(NEW_SHOP_MESSAGES_PER_DAY + 1):
        messages.request_statement(t, till.customer, f"Estado {n}")
    till.agent.sync_once()
    assert len(_statuses(server)) == NEW_SHOP_MESSAGES_PER_DAY
    with till.db.read() as conn:
        from sqlalchemy import text

        refused = conn.execute(text("SELECT count(*) FROM outbox WHERE status = 'rejected'"))
        assert refused.scalar_one() == 1


# ---- what the till shows: "pendiente de confirmar" until they write or send a code ------------


def test_the_till_asks_whether_a_customer_may_be_messaged(server, till, graph):
    till.agent.sync_once()  # the customer reaches the server
    assert whatsapp.consent(till.device, till.customer).state == "pendiente_de_confirmar"
    assert "pendiente de confirmar" in whatsapp.consent(till.device, till.customer).message
    _writes(server, "hola")
    assert whatsapp.consent(till.device, till.customer).state == "confirmado"
    _writes(server, "BAJA")
    answer = whatsapp.consent(till.device, till.customer)
    assert (answer.state, answer.message) == ("baja", OPTED_OUT)


def test_a_code_from_the_till_sent_from_another_phone_confirms_that_phone(server, till, graph):
    """The customer's number on file never wrote; they send the till's code from the phone
    they actually use: that WhatsApp is now theirs."""
    till.agent.sync_once()
    code = whatsapp.code_for(till.device, till.customer)
    assert code.code in code.instructions
    post(server, message(code.code, wa_id="5215587654321", number=SHOP_NUMBER_ID))
    wait_handled(server)
    assert whatsapp.consent(till.device, till.customer).state == "confirmado"


def test_another_shops_customer_is_refused(server, till, graph):
    with pytest.raises(SyncRefused) as refused:
        whatsapp.consent(till.device, uuid.uuid4())
    assert refused.value.code == "unknown_customer"
    assert refused.value.message == "Ese cliente no es de esta tienda."
