"""PACs (proveedores autorizados de certificación): stamping and cancelling through satcfdi's
adapters, and SAT's public status service for cancellations that wait on the customer.

satcfdi's adapters are synchronous ``requests`` calls with no timeout. Each call here runs in a
worker thread under our own deadline (and, for Finkok, ``requests`` gets a timeout too, so the
thread ends soon after); a call past its deadline, a dropped connection, a 5xx or an answer
that is not the PAC's XML is ``PacUnavailable``: the outcome is unknown, the same sealed XML is
sent again later. That is safe because a PAC answers a CFDI it already stamped with its
earlier stamp (Finkok: incidencia 307, then ``stamped`` returns it), never a second one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

import requests
from lxml import etree
from satcfdi.cfdi import CFDI
from satcfdi.exceptions import ResponseError
from satcfdi.models import Signer
from satcfdi.pacs import CancelReason, Environment
from satcfdi.pacs.finkok import Finkok
from satcfdi.pacs.sat import SAT

log = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_TIMEOUT_S = 30.0
_UNKNOWN = (requests.RequestException, TimeoutError, etree.XMLSyntaxError, ConnectionError)


class PacUnavailable(Exception):
    """The PAC could not be reached or did not answer in time: try again later."""


class PacRefused(Exception):
    """The PAC refused the document; ``code`` is its own (Finkok incidencia, SAT rule)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code} {message}".strip())
        self.code, self.message = code, message


@dataclass(frozen=True)
class Stamped:
    uuid: str
    xml: bytes


CancelState = Literal["cancelled", "in_process", "refused"]


@dataclass(frozen=True)
class CancelAnswer:
    """``cancelled``: done; ``in_process``: the customer must accept (SAT answers later);
    ``refused``: not cancelled, ``message`` says why."""

    state: CancelState
    code: str | None
    message: str
    acuse: bytes | None = None


class PacClient(Protocol):
    name: str

    async def stamp(self, signed_xml: bytes) -> Stamped: ...

    async def cancel(self, stamped_xml: bytes, motive: str, substitute: str | None,
                     signer: Signer) -> CancelAnswer: ...

    async def cancellation(self, stamped_xml: bytes) -> CancelAnswer | None:
        """Where a cancellation waiting on the customer stands (None: still waiting)."""
        ...


class _TimedFinkok(Finkok):  # type: ignore[misc]
    """satcfdi's Finkok with a timeout on every request and, for a local stand-in, its host."""

    def __init__(self, username: str, password: str, environment: Environment,
                 host: str | None, timeout_s: float) -> None:
        super().__init__(username=username, password=password, environment=environment)
        self._host, self._timeout = host, timeout_s

    @property
    def host(self) -> str:
        return self._host or str(super().host)

    def _perform_request(self, url: str, envelope: etree._Element) -> etree._Element:
        response = requests.post(url=url, data=etree.tostring(envelope), timeout=self._timeout)
        if response.status_code >= 500:
            raise PacUnavailable(f"el PAC respondió HTTP {response.status_code}")
        return etree.fromstring(response.content)


class _TimedSat(SAT):  # type: ignore[misc]
    """SAT's public status service (ConsultaCFDIService), with a timeout and a host override."""

    def __init__(self, environment: Environment, host: str | None, timeout_s: float) -> None:
        super().__init__(environment=environment)
        self._host, self._timeout = host, timeout_s

    def _request(self, soap_url: str, data: Any, soap_action: str, needs_token_fn: Any,
                 verify: bool = True) -> etree._Element:
        if self._host:
            soap_url = self._host + soap_url[soap_url.index("/", 8):]
        response = requests.post(url=soap_url, data=data, timeout=self._timeout, verify=verify,
                                 headers=self._get_headers(soap_action, needs_token_fn))
        if not response.ok:
            raise PacUnavailable(f"el SAT respondió HTTP {response.status_code}")
        return etree.fromstring(response.content)


async def _in_thread(fn: Callable[[], T], timeout_s: float) -> T:
    try:
        return await asyncio.wait_for(asyncio.to_thread(fn), timeout_s)
    except TimeoutError:
        raise PacUnavailable(f"sin respuesta en {timeout_s:.0f} s") from None
    except PacUnavailable:
        raise
    except _UNKNOWN as exc:
        raise PacUnavailable(f"{type(exc).__name__}: {str(exc)[:200]}") from None


def _incidence(exc: ResponseError) -> tuple[str, str]:
    text = str(exc.args[0] if exc.args else exc)
    code, _, message = text.partition(" - ")
    return (code.strip(), message.strip()) if message else ("", text)


class FinkokPac:
    """Finkok (test or production), or a stand-in that speaks its SOAP at ``host``."""

    name = "finkok"

    def __init__(self, username: str, password: str, *, test: bool = True,
                 host: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        env = Environment.TEST if test else Environment.PRODUCTION
        self._finkok = _TimedFinkok(username, password, env, host, timeout_s)
        self._sat = _TimedSat(env, host, timeout_s)
        self._timeout = timeout_s + 5  # our deadline, a little past requests' own

    async def stamp(self, signed_xml: bytes) -> Stamped:
        cfdi = CFDI.from_string(signed_xml)

        def call() -> Stamped:
            try:
                doc = self._finkok.stamp(cfdi)
            except ResponseError as exc:
                code, message = _incidence(exc)
                if code != "307":  # 307: stamped before (an answer we lost): fetch that stamp
                    raise PacRefused(code, message) from None
                log.info("PAC had stamped this CFDI already; recovering its stamp")
                doc = self._finkok.stamped(cfdi)
            return Stamped(doc.document_id.upper(), doc.xml)

        return await _in_thread(call, self._timeout)

    async def cancel(self, stamped_xml: bytes, motive: str, substitute: str | None,
                     signer: Signer) -> CancelAnswer:
        cfdi = CFDI.from_string(stamped_xml)

        def call() -> CancelAnswer:
            try:
                ack = self._finkok.cancel(cfdi, CancelReason(motive), substitute, signer=signer)
            except ResponseError as exc:
                return CancelAnswer("refused", None, _incidence(exc)[1] or str(exc))
            code = str(ack.code) if ack.code is not None else None
            if code in ("201", "202"):  # received (or cancelled before): SAT has the last word
                state = self._sat_state(cfdi)
                return CancelAnswer(state or "in_process", code, "", ack.acuse)
            return CancelAnswer("refused", code, _CANCEL_CODES.get(code or "", "rechazada"),
                                ack.acuse)

        return await _in_thread(call, self._timeout)

    async def cancellation(self, stamped_xml: bytes) -> CancelAnswer | None:
        cfdi = CFDI.from_string(stamped_xml)

        def call() -> CancelAnswer | None:
            state = self._sat_state(cfdi)
            if state is None or state == "in_process":
                return None
            return CancelAnswer(state, None, "El cliente rechazó la cancelación."
                                if state == "refused" else "")

        return await _in_thread(call, self._timeout)

    def _sat_state(self, cfdi: CFDI) -> CancelState | None:
        answer: Mapping[str, str | None] = self._sat.status(cfdi)
        estado, detail = answer.get("Estado") or "", answer.get("EstatusCancelacion") or ""
        if estado == "Cancelado":
            return "cancelled"
        if detail == "En proceso":
            return "in_process"
        if detail == "Solicitud rechazada":
            return "refused"
        return None


_CANCEL_CODES = {
    "203": "el UUID no corresponde al emisor",
    "205": "el UUID no existe en el SAT",
}


def pac_from(settings: Mapping[str, Any], secrets: Mapping[str, str | None], *,
             allow_host: bool, timeout_s: float = DEFAULT_TIMEOUT_S) -> PacClient:
    """The PAC a shop configured (integration kind ``pac``). A ``host`` other than the PAC's
    own is only honoured where the server allows it (tests, the demo)."""
    provider = settings.get("provider", "finkok")
    if provider != "finkok":
        raise ValueError(f"PAC {provider!r} is not supported yet")
    host = settings.get("host") if allow_host else None
    return FinkokPac(secrets.get("username") or "", secrets.get("password") or "",
                     test=settings.get("environment", "test") != "production", host=host,
                     timeout_s=timeout_s)
