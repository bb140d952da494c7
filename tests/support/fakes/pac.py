"""A stand-in PAC on loopback speaking Finkok's SOAP (the shapes satcfdi's ``Finkok`` adapter
sends and reads), plus SAT's public CFDI status service (``ConsultaCFDIService``).

It stamps for real: it checks the seal against the certificate in the XML (as a PAC does),
refuses a CFDI dated more than 72 hours ago, and adds a TimbreFiscalDigital signed with its own
self-made certificate. The same sealed XML sent twice is answered like Finkok does (incidencia
307 "El CFDI contiene un timbre previo"); ``stamped`` hands back the earlier stamp. A test can
script the next answers: ``down`` (503), ``hang`` (no answer for a while), ``lose`` (stamp, then
drop the connection before answering), or a refusal (an incidencia code and message).

``python -m tests.support.fakes.pac [--port N]`` serves it on its own (the demo does).
"""

from __future__ import annotations

import argparse
import base64
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from lxml import etree
from satcfdi.cfdi import CFDI
from satcfdi.create.cfd.tfd11 import TimbreFiscalDigital
from satcfdi.models import Certificate, Signer

from tests.support.fakes.csd import make_pac_certificate

APPS = "apps.services.soap.core.views"
STAMP_NS = "http://facturacion.finkok.com/stamp"
CANCEL_NS = "http://facturacion.finkok.com/cancel"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_AGE = timedelta(hours=72)
_MEXICO = ZoneInfo("America/Mexico_City")
ACCEPTANCE_ABOVE = 1000  # pesos: above this a named customer must accept a cancellation


@dataclass
class Stamp:
    uuid: str
    xml: bytes
    serie: str | None
    folio: str | None
    total: float
    receptor: str
    cancel: str | None = None  # None | "En proceso" | "Cancelado sin aceptación" | …
    motive: str | None = None
    substitute: str | None = None


@dataclass
class Calls:
    stamp: int = 0
    stamped: int = 0
    cancel: int = 0
    status: int = 0
    usernames: set[str] = field(default_factory=set)


class FakePac:
    def __init__(self, *, username: str = "demo@michangarrito.mx", password: str = "demo",
                 port: int = 0) -> None:
        cer, key = make_pac_certificate()
        self.signer = Signer.load(certificate=cer, key=key)
        self.username, self.password = username, password
        self.stamps: dict[str, Stamp] = {}  # by the emitter's seal (what makes a CFDI itself)
        self.calls = Calls()
        # PACs compare a CFDI's Fecha (local time where it was issued) with Mexico's clock.
        self.clock: Callable[[], datetime] = lambda: datetime.now(_MEXICO).replace(tzinfo=None)
        self._script: list[str | tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakePac:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()

    # ---- what a test scripts and reads --------------------------------------------------------

    def next_answers(self, *answers: str | tuple[str, str]) -> None:
        """The next stamp/cancel calls: "down", "hang", "lose", or (code, message) to refuse;
        then normal service again."""
        with self._lock:
            self._script.extend(answers)

    def stamped_for(self, serie: str | None, folio: str | None) -> list[Stamp]:
        with self._lock:
            return [s for s in self.stamps.values() if (s.serie, s.folio) == (serie, folio)]

    def by_uuid(self, u: str) -> Stamp | None:
        with self._lock:
            return next((s for s in self.stamps.values() if s.uuid == u), None)

    def customer_answers(self, u: str, accept: bool) -> None:
        """The receiver accepts or rejects a cancellation waiting for them."""
        with self._lock:
            s = next(s for s in self.stamps.values() if s.uuid == u)
            s.cancel = "Cancelado con aceptación" if accept else "Solicitud rechazada"

    # ---- the services -------------------------------------------------------------------------

    def _scripted(self) -> str | tuple[str, str] | None:
        with self._lock:
            return self._script.pop(0) if self._script else None

    def _stamp(self, op: str, body: etree._Element) -> bytes:
        xml = base64.b64decode(body.findtext(f".//{{{STAMP_NS}}}xml") or "")
        if body.findtext(f".//{{{STAMP_NS}}}username") != self.username or body.findtext(
                f".//{{{STAMP_NS}}}password") != self.password:
            return _stamp_answer(incidences=[("702", "No se encontro el RFC del emisor")])
        try:
            cfdi = CFDI.from_string(xml)
        except Exception:
            return _stamp_answer(incidences=[("301", "XML mal formado")])
        seal = str(cfdi.get("Sello") or "")
        with self._lock:
            earlier = self.stamps.get(seal)
            if op == "stamped":
                self.calls.stamped += 1
            else:
                self.calls.stamp += 1
        if op == "stamped":
            if earlier is None:
                return _stamp_answer(incidences=[("603", "El CFDI no ha sido timbrado")])
            return _stamp_answer(earlier, "Comprobante timbrado satisfactoriamente")
        if earlier is not None:
            return _stamp_answer(earlier, "Comprobante timbrado previamente",
                                 incidences=[("307", "El CFDI contiene un timbre previo")])
        refusal = _refusal(cfdi, self.clock())
        if refusal:
            return _stamp_answer(incidences=[refusal])
        new_uuid = str(uuid.uuid4()).upper()
        # The stamp joins the complements the CFDI already has (a payment complement's Pagos).
        complements = dict(cfdi.get("Complemento") or {})
        complements["TimbreFiscalDigital"] = TimbreFiscalDigital(
            proveedor=self.signer, uuid=new_uuid, fecha_timbrado=None, sello_cfd=seal)
        cfdi["Complemento"] = complements
        stamp = Stamp(new_uuid, cfdi.xml_bytes(),
                      cfdi.get("Serie"), cfdi.get("Folio"), float(cfdi["Total"]),
                      cfdi["Receptor"]["Rfc"])
        with self._lock:
            self.stamps[seal] = stamp
        return _stamp_answer(stamp, "Comprobante timbrado satisfactoriamente")

    def _cancel(self, body: etree._Element) -> bytes:
        request = etree.fromstring(base64.b64decode(body.findtext(f".//{{{CANCEL_NS}}}xml") or ""))
        with self._lock:
            self.calls.cancel += 1
        folio = request.find(".//{*}Folio")
        if folio is None:
            return _cancel_answer(None, "", error="Solicitud de cancelación inválida")
        u, motive = folio.get("UUID", "").upper(), folio.get("Motivo")
        with self._lock:
            stamp = next((s for s in self.stamps.values() if s.uuid == u), None)
            if stamp is None:
                return _cancel_answer("205", u)
            if stamp.cancel and stamp.cancel != "Solicitud rechazada":
                return _cancel_answer("202", u)
            if motive == "01" and not folio.get("FolioSustitucion"):
                return _cancel_answer(None, u, error="El motivo 01 requiere el folio que sustituye")
            needs_acceptance = (stamp.total > ACCEPTANCE_ABOVE
                                and stamp.receptor != "XAXX010101000")
            stamp.cancel = "En proceso" if needs_acceptance else "Cancelado sin aceptación"
            stamp.motive, stamp.substitute = motive, folio.get("FolioSustitucion")
        return _cancel_answer("201", u)

    def _status(self, body: bytes) -> bytes:
        text = body.decode()
        expression = text[text.find("?re="):text.find("]]>")]
        params = dict(p.split("=", 1) for p in expression.lstrip("?").split("&") if "=" in p)
        with self._lock:
            self.calls.status += 1
            stamp = next((s for s in self.stamps.values() if s.uuid == params.get("id", "").upper()),
                         None)
        if stamp is None:
            state, cancel = "No Encontrado", ""
        else:
            done = stamp.cancel and stamp.cancel.startswith(("Cancelado", "Plazo"))
            state, cancel = ("Cancelado" if done else "Vigente"), (stamp.cancel or "")
        result = (f"<a:CodigoEstatus>S - Comprobante obtenido satisfactoriamente.</a:CodigoEstatus>"
                  f"<a:EsCancelable>Cancelable con aceptación</a:EsCancelable>"
                  f"<a:Estado>{state}</a:Estado><a:EstatusCancelacion>{cancel}</a:EstatusCancelacion>"
                  f"<a:ValidacionEFOS>200</a:ValidacionEFOS>")
        return (f'<s:Envelope xmlns:s="{SOAP}"><s:Body><ConsultaResponse xmlns="http://tempuri.org/">'
                f'<ConsultaResult xmlns:a="http://schemas.datacontract.org/2004/07/Sat.Cfdi.Negocio.'
                f'ConsultaCfdi.Servicio">{result}</ConsultaResult></ConsultaResponse></s:Body>'
                f'</s:Envelope>').encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path.endswith("/ConsultaCFDIService.svc"):
                    return self._send(200, fake._status(raw))
                body = etree.fromstring(raw)
                op = etree.QName(body.find(f"{{{SOAP}}}Body")[0]).localname  # type: ignore[index]
                scripted = fake._scripted() if op in ("stamp", "cancel_signature") else None
                if scripted == "down":
                    return self._send(503, b"<html>Service Unavailable</html>", "text/html")
                if scripted == "hang":
                    time.sleep(3)
                    return self._send(503, b"<html>Gateway Timeout</html>", "text/html")
                if isinstance(scripted, tuple):
                    return self._send(200, _stamp_answer(incidences=[scripted]))
                if op in ("stamp", "stamped"):
                    answer = fake._stamp(op, body)
                elif op == "cancel_signature":
                    answer = fake._cancel(body)
                else:
                    return self._send(404, b"<html>Not Found</html>", "text/html")
                if scripted == "lose":  # done on our side; the answer never reaches the client
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                return self._send(200, answer)

            def _send(self, status: int, body: bytes, kind: str = "text/xml") -> None:
                self.send_response(status)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def _refusal(cfdi: CFDI, now: datetime) -> tuple[str, str] | None:
    try:
        cert = Certificate.load_certificate(base64.b64decode(cfdi["Certificado"]))
        ok = cert.verify_sha256(cfdi.cadena_original().encode(), base64.b64decode(cfdi["Sello"]))
    except Exception:
        ok = False
    if not ok:
        return ("302", "Sello mal formado o inválido")
    if cfdi["Emisor"]["Rfc"] != cert.rfc:
        return ("303", "Sello no corresponde a emisor")
    issued = cfdi["Fecha"]
    if not (now - MAX_AGE <= issued <= now + timedelta(hours=3)):  # Tijuana to Cancún
        return ("401", "Fecha y hora de generación fuera de rango")
    return None


def _stamp_answer(stamp: Stamp | None = None, status: str | None = None,
                  incidences: list[tuple[str, str]] | None = None) -> bytes:
    parts = []
    if stamp is not None:
        parts.append(f"<apps:xml>{escape(stamp.xml.decode())}</apps:xml>"
                     f"<apps:UUID>{stamp.uuid}</apps:UUID>")
    if status:
        parts.append(f"<apps:CodEstatus>{status}</apps:CodEstatus>")
    found = "".join(f"<apps:Incidencia><apps:CodigoError>{code}</apps:CodigoError>"
                    f"<apps:MensajeIncidencia>{escape(msg)}</apps:MensajeIncidencia></apps:Incidencia>"
                    for code, msg in incidences or [])
    parts.append(f"<apps:Incidencias>{found}</apps:Incidencias>")
    return (f'<soap:Envelope xmlns:soap="{SOAP}" xmlns:apps="{APPS}"><soap:Body>'
            f'<stampResponse xmlns="{STAMP_NS}"><stampResult>{"".join(parts)}</stampResult>'
            f'</stampResponse></soap:Body></soap:Envelope>').encode()


def _cancel_answer(code: str | None, u: str, error: str | None = None) -> bytes:
    inner = (f"<apps:error>{escape(error)}</apps:error>" if error else
             f"<apps:Folios><apps:Folio><apps:EstatusUUID>{code}</apps:EstatusUUID>"
             f"<apps:UUID>{u}</apps:UUID></apps:Folio></apps:Folios>"
             f"<apps:Acuse>{escape(f'<Acuse><Folios><UUID>{u}</UUID><EstatusUUID>{code}</EstatusUUID></Folios></Acuse>')}</apps:Acuse>")
    return (f'<soap:Envelope xmlns:soap="{SOAP}" xmlns:apps="{APPS}"><soap:Body>'
            f'<cancel_signatureResponse xmlns="{CANCEL_NS}"><cancel_signatureResult>{inner}'
            f'</cancel_signatureResult></cancel_signatureResponse></soap:Body></soap:Envelope>').encode()


def main() -> None:
    parser = argparse.ArgumentParser(description="PAC de pruebas (Finkok) en loopback")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    pac = FakePac(port=args.port)
    print(pac.url, flush=True)
    pac._server.serve_forever()


if __name__ == "__main__":
    main()
