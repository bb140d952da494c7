"""Invoicing over HTTP on a real server: the owner sets the shop up, a till pushes a sale, the
customer invoices it from the ticket's QR page and downloads the XML and PDF; the till can
invoice one from its sale history; the owner lists and downloads the month."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from collections.abc import Iterator

import httpx
import pytest

from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.cfdi.xsd import check_xml
from tests.support.cfdi import Item, sale, sale_id_of
from tests.support.fakes.csd import MadeCsd, make_csd
from tests.support.fakes.pac import FakePac
from tests.support.server import ServerHarness
from tests.support.wire_changes import TillChanges

HEADERS = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


@pytest.fixture(scope="module")
def csd() -> MadeCsd:
    return make_csd()


@pytest.fixture
def pac() -> Iterator[FakePac]:
    fake = FakePac().start()
    yield fake
    fake.stop()


@pytest.fixture
def server(database_url: str) -> Iterator[ServerHarness]:
    harness = ServerHarness(database_url, cfdi_allow_pac_host=True, cfdi_pac_timeout_s=3.0,
                            cfdi_stamp_wait_s=10.0).start()
    yield harness
    harness.stop()


def _owner(server: ServerHarness, csd: MadeCsd, pac: FakePac) -> tuple[httpx.Client, str]:
    api = httpx.Client(base_url=server.url, headers=HEADERS, timeout=30)
    r = api.post("/v1/owners/signup", json={"shop_name": "Abarrotes", "owner_name": "María",
                                           "email": "maria@example.mx",
                                           "password": "tamales-de-rajas-2026"})
    assert r.status_code == 201, r.text
    api.headers["Authorization"] = f"Bearer {r.json()['token']}"
    bad = api.put("/v1/cfdi/profile", json={"rfc": "EKU9003173C8", "name": csd.name,
                                            "regime": "601", "postal_code": "76028"})
    assert (bad.status_code, bad.json()["code"]) == (409, "invalid_rfc")
    assert api.put("/v1/cfdi/profile", json={"rfc": csd.rfc, "name": csd.name, "regime": "601",
                                             "postal_code": "76028"}).status_code == 200
    wrong = api.put("/v1/cfdi/csd", json={"certificate": base64.b64encode(csd.certificate).decode(),
                                          "key": base64.b64encode(csd.key).decode(),
                                          "password": "otra"})
    assert wrong.json()["code"] == "csd_wrong_password"
    r = api.put("/v1/cfdi/csd", json={"certificate": base64.b64encode(csd.certificate).decode(),
                                      "key": base64.b64encode(csd.key).decode(),
                                      "password": csd.password})
    assert r.status_code == 200, r.text
    r = api.put("/v1/cfdi/pac", json={"username": pac.username, "password": pac.password,
                                      "host": pac.url})
    setup = r.json()
    assert setup["csd"]["rfc"] == csd.rfc
    assert setup["csd"]["number"] == "30001000000500003416"
    assert pac.password not in r.text
    assert csd.password not in r.text
    assert "key" not in setup["csd"]
    return api, r.json()["profile"]["rfc"]


def _till(server: ServerHarness, api: httpx.Client) -> tuple[httpx.Client, TillChanges]:
    code = api.post("/v1/pairing-codes").json()["code"]
    paired = httpx.post(f"{server.url}/v1/devices/pair", headers=HEADERS,
                        json={"code": code, "device_name": "Caja 1"}).json()
    till = httpx.Client(base_url=server.url, timeout=30, headers={
        **HEADERS, "Authorization": f"Bearer {paired['credential']}"})
    return till, TillChanges(paired["device_code"])


def _push(till: httpx.Client, *changes) -> None:
    r = till.post("/v1/sync/push", json={"changes": [c.model_dump(mode="json") for c in changes]})
    assert r.status_code == 200, r.text
    assert {x["status"] for x in r.json()["results"]} == {"accepted"}


def _csrf(page: httpx.Response) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert m, page.text
    return m.group(1)


def _field(page: httpx.Response, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]+)"', page.text)
    assert m, page.text
    return m.group(1)


def test_a_customer_invoices_a_ticket_from_its_qr_page(server, csd, pac):
    api, _ = _owner(server, csd, pac)
    till, changes = _till(server, api)
    ticket = sale(changes, [Item("Refresco 600 ml", 1800, 2000), Item("Jamón", 9000, 250)],
                  [("tarjeta", 5850)])
    _push(till, ticket)
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


def test_the_till_invoices_a_sale_from_its_history(server, csd, pac):
    api, _ = _owner(server, csd, pac)
    till, changes = _till(server, api)
    ticket = sale(changes, [Item("Aceite", 4500)])
    _push(till, ticket)
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
