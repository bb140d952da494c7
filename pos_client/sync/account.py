"""The owner's online account from the till (httpx): log in, then plan and usage, devices,
pairing codes, integrations, bot settings, MCP keys, scheduled jobs, buying a plan, a forgotten
password; and the owner's acts on the shop's CFDI (cancelling one, a credit note again).

Every failure is a ``DomainError`` with a Spanish message a screen shows as it is: no
connection (``AccountOffline``: "la caja sigue vendiendo"), a refusal from the server with its
own message, a till that is not paired to a server. Nothing here touches the store: the
Cuenta en línea section needs the internet; the counter never does.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from pos_client.store.device import Device
from shared.account import (
    AccountOut,
    BotOut,
    CheckoutOut,
    CreatedMcpKey,
    DeviceOut,
    IntegrationOut,
    IntegrationsOut,
    JobOut,
    JobRunOut,
    McpKeyOut,
    Offer,
    PairingCodeOut,
    PlanChangeOut,
    PortalOut,
    Session,
)
from shared.errors import DomainError
from shared.sync.invoices import CancelRequest, InvoiceSummary
from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

_M = TypeVar("_M", bound=BaseModel)
TIMEOUT_S = 10.0  # the owner is waiting at the screen; the counter is not
CFDI_TIMEOUT_S = 40.0  # a 01 waits on the PAC for its replacement (the server gives up at 20 s)
MCP_KEY_NAME_MAX = 80  # the server's limit, checked here to say it before a round trip


class AccountOffline(DomainError):
    code = "offline"


class AccountRefused(DomainError):
    code = "account_refused"


class NotPaired(DomainError):
    code = "not_paired"


OFFLINE = ("Sin conexión con el servidor: la Cuenta en línea necesita internet. La caja sigue "
           "vendiendo, fiando y haciendo cortes como siempre.")
NOT_UNDERSTOOD = ("El servidor respondió algo que esta versión de la caja no entiende. Actualiza "
                  "MiChangarrito.")


def server_of(device: Device) -> str:
    url = device.server_url
    if not url:
        raise NotPaired("Esta caja no está vinculada a un servidor, así que no tiene cuenta en "
                        "línea. Vincúlala desde el menú de sincronización.")
    return url.rstrip("/")


class OnlineAccount:
    """A logged-in owner's session with the shop's server."""

    def __init__(self, server_url: str, session: Session,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.server_url, self.session = server_url, session
        self._transport = transport

    @classmethod
    def log_in(cls, device: Device, login: str, password: str) -> OnlineAccount:
        if not login.strip() or not password:
            raise AccountRefused("Escribe tu correo o teléfono y tu contraseña.")
        url = server_of(device)
        body = _call(url, None, "POST", "/v1/owners/login",
                     {"login": login.strip(), "password": password})
        return cls(url, _parse(Session, body))

    def overview(self) -> AccountOut:
        return _parse(AccountOut, self._call("GET", "/v1/account"))

    def devices(self) -> list[DeviceOut]:
        return _parse_list(DeviceOut, self._call("GET", "/v1/account/devices"))

    def revoke(self, device_id: uuid.UUID) -> DeviceOut:
        return _parse(DeviceOut, self._call("POST", f"/v1/account/devices/{device_id}/revoke"))

    def pairing_code(self) -> PairingCodeOut:
        return _parse(PairingCodeOut, self._call("POST", "/v1/account/pairing-codes"))

    def integrations(self) -> IntegrationsOut:
        return _parse(IntegrationsOut, self._call("GET", "/v1/account/integrations"))

    def save_integration(self, kind: str, settings: dict[str, str],
                         secrets: dict[str, str | None]) -> IntegrationOut:
        return _parse(IntegrationOut, self._call("PUT", f"/v1/account/integrations/{kind}",
                                                 {"settings": settings, "secrets": secrets}))

    def bot(self) -> BotOut:
        return _parse(BotOut, self._call("GET", "/v1/account/bot"))

    def save_bot(self, enabled: bool, greeting: str | None) -> BotOut:
        return _parse(BotOut, self._call("PUT", "/v1/account/bot",
                                         {"enabled": enabled, "greeting": greeting}))

    def offer(self) -> Offer:
        return _parse(Offer, self._call("GET", "/v1/billing/plans"))

    def checkout(self, kind: str, *, plan: str | None = None, months: int | None = None,
                 package: str | None = None) -> CheckoutOut:
        body = {k: v for k, v in {"kind": kind, "plan": plan, "months": months,
                                  "package": package}.items() if v is not None}
        return _parse(CheckoutOut, self._call("POST", "/v1/billing/checkout", body))

    def change_plan(self, plan: str) -> PlanChangeOut:
        return _parse(PlanChangeOut, self._call("POST", "/v1/billing/plan", {"plan": plan}))

    def portal(self) -> PortalOut:
        return _parse(PortalOut, self._call("POST", "/v1/billing/portal"))

    def mcp_keys(self) -> list[McpKeyOut]:
        return _parse_list(McpKeyOut, self._call("GET", "/v1/owner/mcp-keys"))

    def create_mcp_key(self, name: str, can_write: bool) -> CreatedMcpKey:
        name = name.strip()
        if not name:
            raise AccountRefused("Escribe un nombre para la clave (por ejemplo, «Claude de la "
                                 "casa»).", code="name_required")
        if len(name) > MCP_KEY_NAME_MAX:
            raise AccountRefused(f"El nombre de la clave es muy largo: usa hasta "
                                 f"{MCP_KEY_NAME_MAX} caracteres.", code="name_too_long")
        return _parse(CreatedMcpKey, self._call("POST", "/v1/owner/mcp-keys",
                                                {"name": name, "can_write": can_write}))

    def revoke_mcp_key(self, key_id: uuid.UUID) -> McpKeyOut:
        return _parse(McpKeyOut, self._call("POST", f"/v1/owner/mcp-keys/{key_id}/revoke"))

    def jobs(self) -> list[JobOut]:
        return _parse_list(JobOut, self._call("GET", "/v1/account/jobs"))

    def save_job(self, job: str, enabled: bool, at: str | None) -> JobOut:
        body: dict[str, Any] = {"enabled": enabled}
        if at is not None:
            body["at"] = at
        return _parse(JobOut, self._call("PUT", f"/v1/account/jobs/{job}", body))

    def job_runs(self, limit: int = 30) -> list[JobRunOut]:
        return _parse_list(JobRunOut, self._call("GET", f"/v1/account/jobs/runs?limit={limit}"))

    def cancel_invoice(self, invoice_id: uuid.UUID, request: CancelRequest) -> InvoiceSummary:
        answer = self._call("POST", f"/v1/cfdi/invoices/{invoice_id}/cancel",
                            request.model_dump(mode="json"), timeout=CFDI_TIMEOUT_S)
        try:  # a strict wire model: read as JSON (ids and dates are strings there)
            return InvoiceSummary.model_validate_json(json.dumps(answer))
        except ValidationError:
            raise AccountOffline(NOT_UNDERSTOOD) from None

    def note_again(self, invoice_id: uuid.UUID) -> None:
        self._call("POST", f"/v1/cfdi/invoices/{invoice_id}/note-again")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              timeout: float = TIMEOUT_S) -> Any:
        return _call(self.server_url, self.session.token, method, path, body, self._transport,
                     timeout)


@dataclass
class OwnerLogin:
    """The owner's online session on this till while the back room is open: Cuenta en línea
    keeps it and the Facturas tab cancels with it (the server takes those only from the
    owner). In memory only; leaving the back room ends it."""

    account: OnlineAccount | None = None


def start_password_reset(device: Device, login: str) -> str:
    """Ask for a code on the owner's verified WhatsApp; the server's Spanish answer."""
    answer = _call(server_of(device), None, "POST", "/v1/owners/password-reset",
                   {"login": login.strip()})
    return str(answer.get("message", "Te enviamos un código por WhatsApp."))


def finish_password_reset(device: Device, login: str, code: str,
                          new_password: str) -> OnlineAccount:
    url = server_of(device)
    body = _call(url, None, "POST", "/v1/owners/password-reset/confirm",
                 {"login": login.strip(), "code": code.strip(), "new_password": new_password})
    return OnlineAccount(url, _parse(Session, body))


def _call(server_url: str, token: str | None, method: str, path: str,
          body: dict[str, Any] | None = None, transport: httpx.BaseTransport | None = None,
          timeout: float = TIMEOUT_S) -> Any:
    headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with httpx.Client(base_url=server_url, timeout=timeout, headers=headers,
                          transport=transport) as http:
            answer = http.request(method, path, json=body)
    except httpx.HTTPError:
        raise AccountOffline(OFFLINE) from None
    if answer.status_code >= 500 and answer.status_code not in (502, 503):
        raise AccountOffline("El servidor tuvo un problema. Intenta de nuevo en unos minutos; la "
                             "caja sigue vendiendo.")
    if answer.status_code == 204:
        return None
    try:
        found = answer.json()
    except ValueError:
        raise AccountOffline(OFFLINE) from None
    if answer.status_code >= 400:
        message = found.get("message") if isinstance(found, dict) else None
        code = found.get("code") if isinstance(found, dict) else None
        raise AccountRefused(str(message or f"El servidor respondió {answer.status_code}."),
                             code=str(code or "account_refused"))
    return found


def _parse(model: type[_M], body: Any) -> _M:
    try:
        return model.model_validate(body)
    except ValidationError:
        raise AccountOffline(NOT_UNDERSTOOD) from None


def _parse_list(model: type[_M], body: Any) -> list[_M]:
    if not isinstance(body, list):
        raise AccountOffline(NOT_UNDERSTOOD)
    return [_parse(model, item) for item in body]
