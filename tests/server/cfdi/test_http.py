"""Invoicing over HTTP on a real server: the owner sets the shop up, a till pushes a sale, the
customer invoices it from the ticket's QR page and downloads the XML and PDF; the till can
invoice one from its sale history; the owner lists and downloads the month."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from shared.ids import new_uuid7
from sync_server.cfdi.xsd import check_xml
from tests.support.cfdi import Item, sale, sale_id_of
from tests.support.cfdi_http import owner_setup, push, till_client
from tests.support.fakes.csd import make_csd


def _csrf(page: httpx.Response) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert m, page.text
    return m.group(1)


def _field(page: httpx.Response, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]+)"', page.text)
    assert m, page.text
    return m.group(1)


def test_a_customer_invoices_a_ticket_from_its_qr_page(cfdi_server, csd, fake_pac):
    server, pac = cfdi_server, fake_pac
    api, _ = owner_setup(server, csd, pac)
    till, changes = till_client(server, api)
    ticket = sale(changes, [Item("Refresco 600 ml", 1800, 2000), Item("Jamón", 9000, 250)],
                  [("tarjeta", 5850)])
    push(till, ticket)
    folio = ticket.payload.folio  # type: ignore[attr-defined]
    web = httpx.Client(base_url=server.url, timeout=30)
    url = f"/factura/{sale_id_of(ticket)}"

    first = web.get(url)
    assert first.status_code == 200
    assert 'lang="es-MX"' in first.text
    forged = httpx.post(f"{server.url}{url}", data={"folio": folio, "total": "58.50", "csrf": "x"})
    assert forged.status_code == 403  # no cookie: another site cannot post for the customer
    wrong = web.post(url, data={"folio": folio, "total": "60", "csrf": _csrf(first)})
    assert wrong.status_code == 409
    assert "No encontramos un ticket" in wrong.text
    data = web.post(url, data={"folio": folio.lower(), "total": "$58.50", "csrf": _csrf(first)})
    assert data.status_code == 200
    assert "Tus datos fiscales" in data.text
    assert "Pagaste con tarjeta" in data.text
    form = {"csrf": _csrf(data), "ticket": _field(data, "ticket"), "rfc": "XOJI740919U47",
            "name": "Ingrid Xodar Jiménez", "postal_code": "76028", "regime": "612", "uso": "G03",
            "card": "28"}
    refused = web.post(f"{url}/datos", data=form)
    assert refused.status_code == 409
    assert "dígito verificador" in refused.text
    assert pac.calls.stamp == 0
    done = web.post(f"{url}/datos", data={**form, "rfc": "xoji740919u48"})
    assert done.status_code == 200, done.text
    assert "Tu factura está lista" in done.text
    pdf_link, xml_link = re.findall(r'href="(/factura/d/[^"]+)"', done.text)
    assert web.get(pdf_link).content.startswith(b"%PDF")
    doc = check_xml(web.get(xml_link).content)
    assert (doc["FormaPago"], doc["Receptor"]["Rfc"]) == ("28", "XOJI740919U48")
    assert web.get(pdf_link.replace(pdf_link.split("/")[-1], "otra-llave.pdf")).status_code == 404
    again = web.post(url, data={"folio": folio, "total": "58.50", "csrf": _csrf(first)})
    assert "Tu factura está lista" in again.text  # once: the ticket shows its invoice

    month = doc["Fecha"].strftime("%Y-%m")
    listed = api.get("/v1/cfdi/invoices", params={"month": month}).json()
    assert [i["status"] for i in listed["issued"]] == ["stamped"]
    z = zipfile.ZipFile(io.BytesIO(api.get("/v1/cfdi/accountant.zip", params={"month": month}).content))
    assert sorted(n.split("/")[0] for n in z.namelist()) == ["resumen.csv", "xml"]
    assert "XOJI740919U48" in z.read("resumen.csv").decode("utf-8-sig")
    held = api.post(f"/v1/cfdi/invoices/{listed['issued'][0]['invoice_id']}/note-again")
    assert (held.status_code, held.json()["code"]) == (409, "note_not_cancelled_by_owner")


def test_the_till_invoices_a_sale_from_its_history(cfdi_server, csd, fake_pac):
    server = cfdi_server
    api, _ = owner_setup(server, csd, fake_pac)
    till, changes = till_client(server, api)
    ticket = sale(changes, [Item("Aceite", 4500)])
    push(till, ticket)
    receptor = {"rfc": "EKU9003173C9", "name": "Escuela Kemper Urgate", "postal_code": "76028",
                "regime": "601", "uso": "G03"}
    r = till.post("/v1/invoices", json={"sale_id": str(sale_id_of(ticket)), "receptor": receptor})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "stamped"
    again = till.post("/v1/invoices", json={"sale_id": str(sale_id_of(ticket)), "receptor": receptor})
    assert (again.status_code, again.json()["code"]) == (409, "already_invoiced")
    unknown = till.post("/v1/invoices", json={"sale_id": str(changes.change(
        "customer", {"id": str(sale_id_of(ticket)), "name": "x"}).change_id), "receptor": receptor})
    assert unknown.status_code == 404


def test_guessing_a_tickets_folio_and_total_is_throttled_per_address(cfdi_server, csd, fake_pac):
    server = cfdi_server
    api, _ = owner_setup(server, csd, fake_pac)
    till, changes = till_client(server, api)
    ticket = sale(changes, [Item("Refresco 600 ml", 1800)])
    push(till, ticket)
    folio = ticket.payload.folio  # type: ignore[attr-defined]
    web = httpx.Client(base_url=server.url, timeout=30)
    url = f"/factura/{sale_id_of(ticket)}"
    csrf = _csrf(web.get(url))
    allowed = server.settings.auth_failures_allowed
    for n in range(allowed):
        guess = web.post(url, data={"folio": folio, "total": f"{n + 1}.00", "csrf": csrf})
        assert guess.status_code == 409, n
    refused = web.post(url, data={"folio": folio, "total": "18.00", "csrf": csrf})
    assert refused.status_code == 429  # even the right pair, once the address used its guesses
    assert "Demasiados intentos" in refused.text
    assert fake_pac.calls.stamp == 0


def test_the_till_hears_of_a_csd_near_its_end_with_the_months_invoices(cfdi_server, fake_pac):
    api, _ = owner_setup(cfdi_server, make_csd(days=10), fake_pac)
    till, _ = till_client(cfdi_server, api)
    month = till.get("/v1/invoices", params={"month": "2026-11"})
    assert month.status_code == 200, month.text
    [warning] = month.json()["warnings"]
    assert "vence en" in warning
    for nonsense in ("0000-01", "2026-13", "2100-01"):
        refused = till.get("/v1/invoices", params={"month": nonsense})
        assert (refused.status_code, refused.json()["code"]) == (422, "invalid_payload"), nonsense


def test_the_customer_may_ask_for_the_invoice_on_whatsapp(cfdi_server, csd, fake_pac):
    server = cfdi_server
    api, _ = owner_setup(server, csd, fake_pac)
    saved = api.put("/v1/account/integrations/whatsapp",
                    json={"settings": {"phone_number_id": "106540352242922"},
                          "secrets": {"token": "EAAG-test-token"}})
    assert saved.status_code == 200, saved.text
    till, changes = till_client(server, api)
    ticket = sale(changes, [Item("Refresco 600 ml", 1800)])
    push(till, ticket)
    web = httpx.Client(base_url=server.url, timeout=30)
    url = f"/factura/{sale_id_of(ticket)}"
    first = web.get(url)
    data = web.post(url, data={"folio": ticket.payload.folio,  # type: ignore[attr-defined]
                               "total": "18.00", "csrf": _csrf(first)})
    assert "Envíenme la factura (PDF y XML) a mi WhatsApp" in data.text
    form = {"csrf": _csrf(data), "ticket": _field(data, "ticket"), "rfc": "XOJI740919U48",
            "name": "Ingrid Xodar Jiménez", "postal_code": "76028", "regime": "612", "uso": "G03",
            "send": "si", "whatsapp": ""}
    refused = web.post(f"{url}/datos", data=form)
    assert refused.status_code == 409
    assert "Escribe tu número de WhatsApp" in refused.text
    done = web.post(f"{url}/datos", data={**form, "whatsapp": "55 1234 5678"})
    assert "Tu factura está lista" in done.text
    queued = server.admin("SELECT kind, to_phone FROM outbound_messages")
    assert [(r["kind"], r["to_phone"]) for r in queued] == [("invoice", "+525512345678")]


def test_reintentar_ahora_needs_the_owner_or_a_paired_till_and_waits_a_minute(
        cfdi_server, csd, fake_pac):
    api, _ = owner_setup(cfdi_server, csd, fake_pac)
    till, _ = till_client(cfdi_server, api)
    stranger = httpx.Client(base_url=cfdi_server.url, timeout=30, headers=till.headers)
    stranger.headers["Authorization"] = "Bearer not-a-credential"
    for path in ("/v1/invoices/remake", "/v1/cfdi/remake"):
        assert stranger.post(path).status_code == 401, path
    assert api.post("/v1/cfdi/remake").json() == {"made": 0}  # nothing refused, nothing due
    again = till.post("/v1/invoices/remake")  # the other path counts for the same shop
    assert (again.status_code, again.json()["code"]) == (429, "remake_too_soon")
    assert re.search(r"otra vez en \d+ segundos", again.json()["message"]), again.json()
    assert api.post("/v1/cfdi/remake").json()["code"] == "remake_too_soon"


def test_a_tills_credential_alone_cancels_nothing(cfdi_server, csd, fake_pac):
    """A paired device (a stolen laptop's credential, curl at the counter) cannot cancel a CFDI
    or make a note again: those take the owner's session."""
    api, _ = owner_setup(cfdi_server, csd, fake_pac)
    till, changes = till_client(cfdi_server, api)
    ticket = sale(changes, [Item("Aceite", 4500)])
    push(till, ticket)
    receptor = {"rfc": "XOJI740919U48", "name": "Ingrid Xodar Jiménez", "postal_code": "76028",
                "regime": "612", "uso": "G03"}
    invoice = till.post("/v1/invoices", json={"sale_id": str(sale_id_of(ticket)),
                                              "receptor": receptor}).json()
    assert invoice["status"] == "stamped"
    other = {**receptor, "rfc": "EKU9003173C9", "name": "Escuela Kemper Urgate",
             "regime": "601"}
    for path, body in ((f"/v1/invoices/{invoice['invoice_id']}/cancel", {"motive": "02"}),
                       (f"/v1/invoices/{invoice['invoice_id']}/note-again", None)):
        assert till.post(path, json=body).status_code == 404, path  # no such route any more
    for path, body in ((f"/v1/cfdi/invoices/{invoice['invoice_id']}/cancel",
                        {"motive": "01", "replacement": other}),
                       (f"/v1/cfdi/invoices/{invoice['invoice_id']}/note-again", None)):
        refused = till.post(path, json=body)
        assert refused.status_code == 401, path
        assert refused.json()["code"] == "invalid_token"
    today = datetime.now(ZoneInfo("America/Mexico_City"))  # the shop's month
    month = api.get("/v1/cfdi/invoices", params={"month": f"{today:%Y-%m}"}).json()
    assert [(v["invoice_id"], v["cancel_status"]) for v in month["issued"]] == [
        (invoice["invoice_id"], None)]  # still in force, no replacement made
    four = api.post(f"/v1/cfdi/invoices/{new_uuid7()}/cancel", json={"motive": "04"})
    assert (four.status_code, four.json()["code"]) == (422, "invalid_payload")
    unknown = api.post(f"/v1/cfdi/invoices/{new_uuid7()}/cancel", json={"motive": "02"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
