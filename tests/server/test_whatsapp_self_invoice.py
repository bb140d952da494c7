"""Self-invoicing in the shop's WhatsApp chat, through the real webhook, the real inbox worker
and sender, the Graph API stand-in and the fake PAC: a shop with its fiscal data and a self-made
CSD, a till that pushed the ticket, and a customer who types folio and total, then RFC, name,
postal code, regime and uso, and gets the stamped invoice's PDF and XML in the chat.

Replies are read where the conversation queues them (outbound_messages, written in the same
transaction that marks the webhook event handled); the invoice's own document is read where it
ends, the Graph API stand-in."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from shared.clock import utc_now
from shared.fiscal import check_receptor, regimes_for
from shared.ids import new_uuid7
from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.bot.flows import INVOICE_LINE
from sync_server.bot.invoice_answers import read_card, read_choice, read_ticket
from sync_server.services import account, cancellation, invoicing
from tests.support import cfdi_http
from tests.support.cfdi import (
    InvoicingShop,
    Item,
    documents,
    invoicing_shop,
    sale,
    sale_id_of,
    shop_invoices,
)
from tests.support.fakes.graph import FakeGraph
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
csd, fake_pac = cfdi_http.csd, cfdi_http.fake_pac
LUPITA, BETO, MARY = "5215512345678", "5215587654321", "5215599990000"  # as Meta sends them
CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")
GUESSES = 3


@pytest.fixture
def server(database_url, graph):
    harness = ServerHarness(database_url, **settings_for(graph), cfdi_allow_pac_host=True,
                            cfdi_pac_timeout_s=3.0, cfdi_stamp_wait_s=8.0, cfdi_poll_s=0.3,
                            cfdi_retry_base_s=1.0,
                            whatsapp_invoice_guesses_allowed=GUESSES).start()
    yield harness
    harness.stop()


@pytest.fixture
def shop(server, csd, fake_pac) -> InvoicingShop:
    made = server.call(lambda pool: invoicing_shop(
        pool, server.settings, csd, fake_pac, integrations=server.app.state.integrations))
    shop_owns_number(server, made.tenant_id)
    return made


def _ticket(server: ServerHarness, shop: InvoicingShop, amount: int = 1800) -> str:
    """A card sale pushed by the shop's till; its printed folio."""
    change = sale(shop.till, [Item("Refresco 600 ml", amount, 2000), Item("Jamón", 9000, 250)],
                  [("tarjeta", 2 * amount + 2250)])
    server.call(lambda _: shop.push(change))
    folio: str = change.payload.folio  # type: ignore[attr-defined]
    return folio


def _write(server: ServerHarness, shop: InvoicingShop, text: str, *, wa_id: str | None = LUPITA,
           wamid: str | None = None, bsuid: str | None = None) -> str:
    """A customer writes; every reply the bot queued for that message, as one text."""
    before = _replies(server, shop)
    post(server, message(text, wa_id=wa_id, number=SHOP_NUMBER_ID, wamid=wamid, bsuid=bsuid))
    wait_handled(server)
    return "\n".join(_replies(server, shop)[len(before):])


def _replies(server: ServerHarness, shop: InvoicingShop) -> list[str]:
    rows = server.admin("SELECT body FROM outbound_messages WHERE tenant_id = $1 AND kind = 'reply' "
                        "ORDER BY created_at, body", shop.tenant_id)
    return [r["body"] for r in rows]


def _invoices(server: ServerHarness, shop: InvoicingShop) -> list[dict[str, Any]]:
    rows = server.admin("SELECT series, folio, status, requested_by, receptor_rfc, whatsapp_to "
                        "FROM invoices WHERE tenant_id = $1 ORDER BY folio", shop.tenant_id)
    return [dict(r) for r in rows]


def _flow(server: ServerHarness, shop: InvoicingShop, wa_id: str = LUPITA) -> dict[str, Any]:
    [row] = server.admin("SELECT state::text AS s FROM wa_contacts WHERE tenant_id = $1 AND phone = $2",
                         shop.tenant_id, "+52" + wa_id[3:])
    state: dict[str, Any] = json.loads(row["s"])
    return state


def _documents(graph: FakeGraph, wa_id: str = LUPITA) -> list[dict[str, Any]]:
    return [r.body["document"] for r in graph.sent()
            if r.body.get("to") == "52" + wa_id[3:] and r.body.get("type") == "document"]


def _to_regime_list(server, shop, folio: str, total: str = "58.50") -> None:
    assert "folio y el total" in _write(server, shop, "Hola, quiero factura")
    assert "Escribe tu RFC" in _write(server, shop, f"folio {folio} total {total}")
    assert "nombre o razón social" in _write(server, shop, "xoji740919u48")
    assert "código postal" in _write(server, shop, "Ingrid Xodar Jiménez")
    assert "7. 612 Personas Físicas con Actividades Empresariales" in _write(server, shop, "76028")


def test_a_customer_invoices_a_ticket_in_the_chat_and_gets_it_there(server, shop, graph, fake_pac):
    folio = _ticket(server, shop)
    assert "folio y el total" in _write(server, shop, "quiero facturar mi ticket")
    assert "¿Cuál es el folio?" in _write(server, shop, "a ver, déjame buscarlo")
    assert "¿Y el total" in _write(server, shop, f"mi ticket es {folio.lower()}")  # one per message
    assert f"Encontré tu ticket {folio} por $58.50" in _write(server, shop, "$58.50")
    assert "nombre o razón social" in _write(server, shop, "mi RFC es XOJI740919U48")  # in a sentence
    assert "código postal" in _write(server, shop, "Ingrid Xodar Jiménez")
    assert "Responde con el número o la clave" in _write(server, shop, "mi CP es el 76028")
    usos = _write(server, shop, "7")  # the 7th regime a persona física may have: 612
    assert "3. G03 Gastos en general" in usos
    assert "¿fue de crédito o de débito?" in _write(server, shop, "3")  # paid by card
    summary = _write(server, shop, "débito")
    for line in ("RFC: XOJI740919U48", "Nombre: INGRID XODAR JIMÉNEZ", "Código postal: 76028",
                 "Régimen: 612", "Uso: G03 Gastos en general", "Forma de pago: 28 Tarjeta de débito",
                 "¿Confirmas? (sí/no)"):
        assert line in summary
    confirming = _flow(server, shop)
    done = _write(server, shop, "sí", wamid="wamid.confirm-1")
    assert "Tu factura F-1 ya está timbrada" in done
    wait_until(lambda: _documents(graph), timeout=15, what="the invoice's document on WhatsApp")
    [document] = _documents(graph)
    assert document["filename"] == "factura-F-1.pdf"
    assert ".xml" in document["caption"]
    assert _invoices(server, shop) == [{"series": "F", "folio": 1, "status": "stamped",
                                        "requested_by": "whatsapp", "receptor_rfc": "XOJI740919U48",
                                        "whatsapp_to": "+525512345678"}]
    assert fake_pac.calls.stamp == 1
    [row] = server.admin("SELECT invoice_id FROM invoices WHERE tenant_id = $1", shop.tenant_id)
    doc = server.call(lambda _: documents(shop.ctx, shop.tenant_id, row["invoice_id"]))
    assert (doc["FormaPago"], doc["Receptor"]["Rfc"], doc["Receptor"]["UsoCFDI"]) == (
        "28", "XOJI740919U48", "G03")

    # Meta delivers the confirming message again: answered once, nothing issued.
    assert _write(server, shop, "sí", wamid="wamid.confirm-1") == ""
    # A second quick "sí" that read the same conversation: the use case refuses a second
    # invoice and the customer gets the one there is.
    server.admin("UPDATE wa_contacts SET state = $2::jsonb WHERE tenant_id = $1 AND phone = $3",
                 shop.tenant_id, json.dumps(confirming), "+525512345678")
    assert "Este ticket ya tiene su factura F-1" in _write(server, shop, "sí")
    assert len(_invoices(server, shop)) == 1
    assert fake_pac.calls.stamp == 1

    # Asking for the same ticket again: its invoice is offered again, not made again.
    _write(server, shop, "factura")
    assert "¿Te la reenvío" in _write(server, shop, f"folio {folio} total 58.50")
    _write(server, shop, "si")
    wait_until(lambda: len(_documents(graph)) == 3, timeout=15, what="the invoice sent again")

    # Next time the last data is offered (masked), and confirmed in two answers.
    second = _ticket(server, shop, amount=2000)
    _write(server, shop, "factura")
    offer = _write(server, shop, f"{second} 62.50")
    assert "¿Uso los mismos datos de la última vez? RFC XOJI…U48" in offer
    assert "INGRID" not in offer
    assert "crédito o de débito" in _write(server, shop, "sí")
    assert "RFC: XOJI…U48" in _write(server, shop, "1")
    assert "Tu factura F-2 ya está timbrada" in _write(server, shop, "sí")
    assert [i["receptor_rfc"] for i in _invoices(server, shop)] == ["XOJI740919U48"] * 2
    # «no» to the last data asks for other data.
    third = _ticket(server, shop, amount=2100)
    _write(server, shop, "factura")
    assert "¿Uso los mismos datos" in _write(server, shop, f"folio {third} total 64.50")
    assert "Escribe tu RFC" in _write(server, shop, "no")


def test_each_bad_answer_is_asked_again_with_the_rules_message(server, shop, fake_pac):
    folio = _ticket(server, shop)
    _write(server, shop, "factura")
    assert "Escribe tu RFC" in _write(server, shop, f"folio {folio} total 58.50")
    bad_rfc = _write(server, shop, "XOJI740919U47")
    assert "dígito verificador" in bad_rfc
    assert "Escribe tu RFC" in bad_rfc
    assert "Con el RFC genérico" in _write(server, shop, "XAXX010101000")
    _write(server, shop, "XOJI740919U48")
    assert "Escribe el nombre o razón social como aparece" in _write(server, shop, "Ingrid | X")
    _write(server, shop, "Ingrid Xodar Jiménez")
    assert "El código postal son 5 dígitos" in _write(server, shop, "7602")
    _write(server, shop, "76028")
    assert "no corresponde a una persona física" in _write(server, shop, "601")
    assert "1. D01 Honorarios médicos" in _write(server, shop, "605")
    assert "no se permite con el régimen 605" in _write(server, shop, "G03")
    assert "Elige un uso del CFDI de la lista." in _write(server, shop, "99")
    assert "crédito o de débito" in _write(server, shop, "D01")
    assert "Responde 1 (crédito) o 2 (débito)" in _write(server, shop, "la azul")
    assert "¿Confirmas?" in _write(server, shop, "2")
    assert "Listo, no haré la factura" in _write(server, shop, "no")
    assert "factura" not in _flow(server, shop)
    _to_regime_list(server, shop, folio)
    assert "Listo, no haré la factura" in _write(server, shop, "cancelar")
    assert _invoices(server, shop) == []
    assert fake_pac.calls.stamp == 0


def test_a_question_for_the_shop_mid_flow_leaves_the_flow_and_is_answered(server, shop):
    """The flow does not swallow what is plainly another question (the balance, the owner's
    figures, an order); a name stays a name, whatever it reads like."""
    folio = _ticket(server, shop)
    _write(server, shop, "factura")
    assert "¿Cuál es el folio?" in _write(server, shop, "¿dónde está el folio?")  # the invoice's
    assert "Escribe tu RFC" in _write(server, shop, f"folio {folio} total 58.50")
    answer = _write(server, shop, "¿cuánto debo?")
    assert "Dejamos la factura para después" in answer
    assert "primero hay que confirmar que este WhatsApp es tuyo" in answer
    assert "factura" not in _flow(server, shop)
    _write(server, shop, "factura")
    assert "Dejamos la factura para después" in _write(server, shop, "ventas de hoy")
    _write(server, shop, "factura")
    _write(server, shop, f"folio {folio} total 58.50")
    _write(server, shop, "XOJI740919U48")
    assert "código postal" in _write(server, shop, "Abarrotes y Entregas")
    assert _flow(server, shop)["factura"]["name"] == "ABARROTES Y ENTREGAS"
    # Saying they no longer want it is not an answer to the step (not a name «YA NO QUIERO…»).
    assert "Listo, no haré la factura" in _write(server, shop, "ya no quiero la factura")
    _write(server, shop, "factura")
    _write(server, shop, f"folio {folio} total 58.50")
    _write(server, shop, "XOJI740919U48")
    assert "Listo, no haré la factura" in _write(server, shop, "Cancelar la factura.")
    assert "factura" not in _flow(server, shop)


def test_a_total_of_zero_is_no_proof_of_holding_a_ticket_returned_in_full(server, shop):
    """A ticket returned in full nets to $0: «0» must not prove it (anyone who read a folio
    would reach it, and the invoice of one invoiced before its return); its total still does."""
    change = sale(shop.till, [Item("Refresco 600 ml", 1800, 1000)], [("efectivo", 1800)])
    server.call(lambda _: shop.push(change))
    folio: str = change.payload.folio  # type: ignore[attr-defined]
    returned = shop.till.change("sale_return", {
        "id": new_uuid7(), "sale_id": sale_id_of(change), "amount": 1800,
        "refund_method": "efectivo", "reason": "No le gustó", "returned_at": utc_now().isoformat(),
        "refund_to_account": 0,
        "lines": [{"line_no": 1, "product_id": None, "qty_milli": 1000, "amount": 1800}]})
    server.call(lambda _: shop.push(returned))
    _write(server, shop, "factura")
    assert "No encontramos un ticket" in _write(server, shop, f"folio {folio} total 0")
    assert "se devolvió completa" in _write(server, shop, f"folio {folio} total 18.00")


def test_wrong_guesses_are_throttled_per_number_and_the_flow_expires(server, shop):
    folio = _ticket(server, shop)
    _write(server, shop, "factura", wa_id=BETO)
    for _ in range(GUESSES):
        assert "No encontramos un ticket" in _write(server, shop, f"folio {folio} total 99",
                                                     wa_id=BETO)
    blocked = _write(server, shop, f"folio {folio} total 58.50", wa_id=BETO)
    assert "Demasiados intentos" in blocked  # even the right answer, for a while
    assert "factura" not in _flow(server, shop, BETO)
    # Another number is not held back by it.
    _write(server, shop, "factura")
    assert "Escribe tu RFC" in _write(server, shop, f"folio {folio} total 58.50")
    # Left alone for more than 30 minutes: the next message is told and answered as usual.
    past = (utc_now() - timedelta(minutes=31)).isoformat()
    server.admin("UPDATE wa_contacts SET state = jsonb_set(state, '{factura,at}', to_jsonb($2::text)) "
                 "WHERE tenant_id = $1 AND phone = '+525512345678'", shop.tenant_id, past)
    answer = _write(server, shop, "hola")
    assert "pasaron más de 30 minutos" in answer
    assert "¡Hola" in answer
    assert "factura" not in _flow(server, shop)
    # A late «sí» was meant for the invoice: it is not handed on (to confirm a cart left in the
    # conversation, say).
    _write(server, shop, "factura")
    server.admin("UPDATE wa_contacts SET state = jsonb_set(state, '{factura,at}', to_jsonb($2::text)) "
                 "WHERE tenant_id = $1 AND phone = '+525512345678'", shop.tenant_id, past)
    late = _write(server, shop, "sí")
    assert "pasaron más de 30 minutos" in late
    assert "No te entendí" not in late


def test_pac_down_leaves_it_pending_and_it_is_sent_once_stamped(server, shop, graph, fake_pac):
    folio = _ticket(server, shop)
    _to_regime_list(server, shop, folio)
    _write(server, shop, "612")
    _write(server, shop, "G03")
    _write(server, shop, "1")
    fake_pac.next_answers("down")
    done = _write(server, shop, "sí")
    assert "Tu factura está en proceso; te la enviamos aquí en cuanto el SAT la timbre." in done
    assert _documents(graph) == []
    wait_until(lambda: _documents(graph), timeout=20, what="the invoice sent once stamped")
    assert [i["status"] for i in _invoices(server, shop)] == ["stamped"]
    assert fake_pac.calls.stamp == 1


def test_a_pac_refusal_says_what_to_do_and_the_data_is_not_offered_again(server, shop, fake_pac):
    """SAT's records did not match the data (the name, mostly): the ticket is free again, and
    the data that failed is not offered next time behind a mask the person cannot check."""
    folio = _ticket(server, shop)
    _to_regime_list(server, shop, folio)
    for text in ("612", "G03", "1"):
        _write(server, shop, text)
    fake_pac.next_answers(("CFDI40145", "El campo Nombre del receptor, debe pertenecer al "
                                        "nombre asociado al RFC registrado en el campo Rfc del Receptor."))
    refused = _write(server, shop, "sí")
    assert "No se pudo timbrar tu factura F-1" in refused
    assert "Revisa tus datos tal como vienen en tu constancia" in refused
    assert "fiscal" not in _flow(server, shop)
    _write(server, shop, "factura")
    assert "Escribe tu RFC" in _write(server, shop, f"folio {folio} total 58.50")


def test_an_invoice_cancelled_while_its_resend_was_offered_is_not_sent(server, shop, graph):
    folio = _ticket(server, shop)
    _to_regime_list(server, shop, folio)
    for text in ("612", "G03", "1"):
        _write(server, shop, text)
    assert "ya está timbrada" in _write(server, shop, "sí")
    wait_until(lambda: _documents(graph), timeout=15, what="the invoice's document")
    _write(server, shop, "factura")
    assert "¿Te la reenvío" in _write(server, shop, f"folio {folio} total 58.50")
    [row] = server.admin("SELECT invoice_id FROM invoices WHERE tenant_id = $1", shop.tenant_id)
    server.call(lambda _: cancellation.cancel_invoice(shop.ctx, shop.tenant_id, row["invoice_id"],
                                                      "02"))
    answer = _write(server, shop, "sí")
    assert "Este ticket ya tiene su factura F-1" in answer
    assert "PDF:" not in answer
    assert len(_documents(graph)) == 1


def test_a_person_known_only_by_their_bsuid_gets_the_invoice_in_the_answer(server, shop, graph):
    """No phone number to queue the invoice for: the stamped invoice is the answer itself."""
    folio = _ticket(server, shop, amount=1000)
    who = {"wa_id": None, "bsuid": "MX.1234567890"}
    for text in ("factura", f"{folio} 42.50", "XOJI740919U48", "Ingrid Xodar Jiménez", "76028",
                 "612", "G03", "2"):
        _write(server, shop, text, **who)
    assert "Tu factura F-1 de Abarrotes La Esperanza" in _write(server, shop, "sí", **who)
    [sent] = server.admin("SELECT message FROM outbound_messages WHERE tenant_id = $1 AND "
                          "to_bsuid = 'MX.1234567890' AND message IS NOT NULL", shop.tenant_id)
    assert json.loads(sent["message"])["document"]["filename"] == "factura-F-1.pdf"
    assert _invoices(server, shop)[0]["whatsapp_to"] is None


def test_the_help_offers_invoices_where_the_shop_can_invoice(server, shop):
    for asked in ("ayuda", "hola"):
        said = _write(server, shop, asked)
        assert "Puedo ayudarte con" in said, asked
        assert INVOICE_LINE.strip() in said, asked


@pytest.fixture
def owned(server, csd, fake_pac) -> InvoicingShop:
    """A shop that invoices, signed up by its owner Mary, whose WhatsApp is confirmed."""
    signup = httpx.post(f"{server.url}/v1/owners/signup",
                        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
                        json={"shop_name": "Abarrotes Mary", "owner_name": "Mary",
                              "phone": "+525599990000", "password": "una-contraseña-larga-1"})
    assert signup.status_code == 201
    owner = signup.json()
    tenant_id = uuid.UUID(owner["tenant_id"])
    made = server.call(lambda pool: shop_invoices(
        pool, server.settings, tenant_id, csd, fake_pac, integrations=server.app.state.integrations))
    shop_owns_number(server, tenant_id)
    code = httpx.post(f"{server.url}/v1/whatsapp/owner-code",
                      headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                               "Authorization": f"Bearer {owner['token']}"})
    assert code.status_code == 201
    assert "dueño de Abarrotes Mary" in _write(server, made, code.json()["code"], wa_id=MARY)
    return made


def test_the_owners_question_about_invoices_is_answered_and_asking_for_one_is_the_flow(
        server, owned):
    """Decided by the words: «¿cuántas facturas llevo?» asks about the shop's invoices (the
    invoices_summary tool, for the owner); «quiero facturar un ticket» asks for one (the flow,
    the owner too: they may be invoicing for themselves). A customer's words about invoices are
    about their own: the flow, never the shop's figures."""
    bought = sale(owned.till, [Item("Refresco 600 ml", 1800, 2000)])
    server.call(lambda _: owned.push(bought))
    server.call(lambda _: invoicing.invoice_ticket(owned.ctx, owned.tenant_id, sale_id_of(bought),
                                                   CUSTOMER, requested_by="customer", wait_s=5))

    answer = _write(server, owned, "¿cuántas facturas llevo?", wa_id=MARY)
    assert answer.startswith("Facturas de este mes: 1 factura a cliente por $36.00."), answer
    assert "Ninguna con error." in answer
    assert "factura" not in _flow(server, owned, MARY)
    assert "Ninguna con error." in _write(server, owned, "¿hay facturas con error?", wa_id=MARY)

    assert "folio y el total" in _write(server, owned, "quiero facturar un ticket", wa_id=MARY)
    assert _flow(server, owned, MARY)["factura"]["step"] == "ticket"
    answer = _write(server, owned, "facturas del mes", wa_id=MARY)  # mid-flow: leaves it
    assert "Dejamos la factura para después" in answer
    assert "Facturas de este mes: 1 factura a cliente" in answer
    assert "factura" not in _flow(server, owned, MARY)
    _write(server, owned, "quiero facturar un ticket", wa_id=MARY)
    assert "no haré la factura" in _write(server, owned, "cancelar", wa_id=MARY)

    for asked in ("¿cuántas facturas llevo?", "factura"):
        answer = _write(server, owned, asked)  # Lupita, a customer
        assert "folio y el total" in answer, asked
        assert "$" not in answer, asked
        assert _write(server, owned, "cancelar")


def test_with_the_bot_switched_off_the_flow_does_not_start(server, shop):
    billing = server.app.state.billing
    server.call(lambda _: account.save_bot_settings(billing, shop.tenant_id, False, None))
    answer = _write(server, shop, "quiero factura")
    assert "folio" not in answer
    assert "factura" not in _flow(server, shop)
    [last] = server.admin("SELECT outcome FROM whatsapp_inbox WHERE routed_to = $1 "
                          "ORDER BY handled_at DESC LIMIT 1", shop.tenant_id)
    assert last["outcome"] == "bot_off (owner)"


@pytest.mark.parametrize(("text", "folio_known", "expected"), [
    ("folio A1B2-000123 total 85.50", False, ("A1B2-000123", "85.50")),
    ("Folio: a1b2-000123, total: $1,085.50", False, ("A1B2-000123", "$1,085.50")),
    ("A1B2-000123 85.50", False, ("A1B2-000123", "85.50")),
    ("mi ticket es a1b2-000123", False, ("A1B2-000123", None)),
    ("85", True, (None, "85")),
    ("$85", False, (None, "$85")),
    ("000123", False, ("000123", None)),
    ("hola", False, (None, None)),
    # Words between «folio» and the folio are not the folio (each wrong folio spends a guess).
    ("mi folio es C1-000042 y el total es 85.50", False, ("C1-000042", "85.50")),
    ("folio de mi ticket C1-000042", False, ("C1-000042", None)),
    ("folio del ticket: C1-000042 total: 85.50", False, ("C1-000042", "85.50")),
    ("el total fue de 85.50 y el folio es C1-000042", False, ("C1-000042", "85.50")),
    ("compré 2 refrescos, ticket C1-000042 por $58.50", False, ("C1-000042", "$58.50")),
])
def test_the_folio_and_total_are_read_as_people_write_them(text, folio_known, expected):
    assert read_ticket(text, folio_known) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("7", "612"), ("el 7", "612"), ("opción 7.", "612"), ("7) Actividades empresariales", "612"),
    ("612 Personas Físicas con Actividades Empresariales", "612"), ("99", "99"), ("g03", "G03"),
    ("gastos en general", "GASTOS"),
])
def test_a_choice_is_read_by_its_number_or_its_code_in_a_sentence(text, expected):
    assert read_choice(text, [r.code for r in regimes_for("XOJI740919U48")]) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1", "04"), ("crédito", "04"), ("2", "28"), ("de débito, por favor", "28"), ("Débito.", "28"),
    ("la azul", None), ("", None),
])
def test_the_kind_of_card_is_read_anywhere_in_the_answer(text, expected):
    assert read_card(text) == expected
