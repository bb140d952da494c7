"""The till's invoicing calls to its server (httpx, as the sync client): a sale's own invoice
for a customer at the counter; for the back room the month's invoices, a global issued now and
"Reintentar ahora" after a refusal (the till's credential), and with the owner's session (typed
here, or Cuenta en línea's) a cancellation and a cancelled credit note made again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, Literal, TypeVar

from pos_client.store.device import Device
from pos_client.sync.account import (
    AccountOffline,
    AccountRefused,
    NotPaired,
    OnlineAccount,
    OwnerLogin,
)
from pos_client.sync.client import Offline, SyncClient, SyncRefused, _parse
from shared.errors import DomainError
from shared.fiscal import Receptor
from shared.sync.invoices import (
    CancelRequest,
    CardForma,
    GlobalRequest,
    InvoiceMonth,
    InvoiceRequest,
    InvoiceSummary,
    PendingGlobal,
    ReceptorData,
    RemakeOutcome,
)

_T = TypeVar("_T", InvoiceSummary, InvoiceMonth, PendingGlobal, RemakeOutcome)
_R = TypeVar("_R")
Motive = Literal["01", "02", "03"]  # 04 is the invoicing flow's own, never asked by hand
# The server waits up to 20 s for the PAC before it answers "en proceso".
TIMEOUT_S = 40.0
OFFLINE_SALE = ("No hay conexión con el servidor. La venta queda igual; intenta facturar cuando "
                "vuelva la conexión.")
OFFLINE_BACK_ROOM = ("No hay conexión con el servidor: no se cambió ninguna factura. Inténtalo "
                     "cuando vuelva la conexión; la caja sigue vendiendo.")
LOGIN_NEEDED = ("Cancelar o volver a emitir una nota lo hace la dueña o el dueño: escribe su "
                "correo o teléfono y su contraseña de la cuenta en línea.")
SESSION_ENDED = ("La sesión de la cuenta en línea terminó: escribe otra vez el correo o teléfono "
                 "y la contraseña de la dueña o el dueño. No se cambió ninguna factura.")


class InvoicingUnavailable(DomainError):
    """The till cannot ask its server now (not paired, offline, or the server said no)."""

    code = "invoicing_unavailable"


class InvoicingClient:
    def __init__(self, device: Device) -> None:
        if not device.paired or device.server_url is None:
            raise InvoicingUnavailable("Esta caja no está vinculada a un servidor: las facturas "
                                       "se emiten desde el servidor de la tienda.",
                                       code="not_paired")
        self._http = SyncClient(device.server_url, device.credential, timeout=TIMEOUT_S)

    def close(self) -> None:
        self._http.close()

    def invoice_sale(self, sale_id: uuid.UUID, receptor: Receptor,
                     card_forma: CardForma | None = None) -> InvoiceSummary:
        body = InvoiceRequest(sale_id=sale_id, card_forma=card_forma,
                              receptor=_data(receptor)).model_dump_json()
        return self._ask(InvoiceSummary, "POST", "/v1/invoices", body, offline=OFFLINE_SALE)

    def month(self, year: int, month: int) -> InvoiceMonth:
        return self._ask(InvoiceMonth, "GET", "/v1/invoices", None,
                         params={"month": f"{year:04d}-{month:02d}"})

    def issue_global(self, day: date, accept_missing: list[uuid.UUID]) -> PendingGlobal:
        body = GlobalRequest(period_start=day, accept_missing=accept_missing).model_dump_json()
        return self._ask(PendingGlobal, "POST", "/v1/invoices/globals", body)

    def remake(self) -> RemakeOutcome:
        return self._ask(RemakeOutcome, "POST", "/v1/invoices/remake", None)

    def _ask(self, model: type[_T], method: str, path: str, body: str | None,
             offline: str = OFFLINE_BACK_ROOM, **kw: Any) -> _T:
        raw = self._raw(method, path, body, offline, **kw)
        try:
            return _parse(model, raw)
        except Offline:  # an answer that cannot be read: as good as none
            raise InvoicingUnavailable(offline, code="offline") from None

    def _raw(self, method: str, path: str, body: str | None, offline: str, **kw: Any) -> bytes:
        try:
            return self._http._call(method, path, body, **kw)
        except Offline:
            raise InvoicingUnavailable(offline, code="offline") from None
        except SyncRefused as exc:
            raise InvoicingUnavailable(exc.message, code=exc.code) from None


# One call each, as the screens ask for them (a client opened and closed around the call).


def invoice_sale(device: Device, sale_id: uuid.UUID, receptor: Receptor,
                 card_forma: CardForma | None = None) -> InvoiceSummary:
    """A sale's own invoice for the customer at the counter, signed and stamped by the server."""
    return _once(device, lambda c: c.invoice_sale(sale_id, receptor, card_forma))


def month(device: Device, year: int, mon: int) -> InvoiceMonth:
    """The month's invoices as the server has them, with the facturas globales still pending."""
    return _once(device, lambda c: c.month(year, mon))


def issue_global(device: Device, day: date, accept_missing: list[uuid.UUID]) -> PendingGlobal:
    """The factura global of the period starting ``day``, now, not waiting for those tills."""
    return _once(device, lambda c: c.issue_global(day, accept_missing))


def remake(device: Device) -> RemakeOutcome:
    """ "Reintentar ahora": what the PAC refused is made again now, not after its wait."""
    return _once(device, lambda c: c.remake())


# The owner's acts: the server takes them only with the owner's session, never the till's
# credential. ``login`` = (email or phone, password) typed for this act; None: the session the
# till holds. A session typed here is kept as Cuenta en línea keeps its own.


class OwnerLoginNeeded(DomainError):
    """No owner session on this till (or it ended): the screen asks for the owner's login."""

    code = "owner_login_needed"


def cancel(owner: OwnerLogin, device: Device, invoice_id: uuid.UUID, motive: Motive,
           replacement: Receptor | None = None,
           login: tuple[str, str] | None = None) -> InvoiceSummary:
    """Ask the server to cancel a stamped CFDI (01 with the replacement's receptor for a
    customer's invoice); the answer is the invoice, or for 01 its replacement."""
    request = CancelRequest(motive=motive, replacement=_data(replacement) if replacement
                            else None)
    return _as_owner(owner, device, login, lambda a: a.cancel_invoice(invoice_id, request))


def note_again(owner: OwnerLogin, device: Device, invoice_id: uuid.UUID,
               login: tuple[str, str] | None = None) -> None:
    """A credit note the owner cancelled: the server makes a new one for its returns."""
    _as_owner(owner, device, login, lambda a: a.note_again(invoice_id))


def _as_owner(owner: OwnerLogin, device: Device, login: tuple[str, str] | None,
              call: Callable[[OnlineAccount], _R]) -> _R:
    try:
        if login is not None:
            owner.account = OnlineAccount.log_in(device, *login)  # throttled by the server
        account = owner.account
        if account is None:
            raise OwnerLoginNeeded(LOGIN_NEEDED)
        try:
            return call(account)
        except AccountRefused as exc:
            if exc.code not in ("invalid_token", "auth_required"):
                raise
            if owner.account is account:
                owner.account = None
            raise OwnerLoginNeeded(SESSION_ENDED) from None
    except (AccountOffline, NotPaired):
        raise InvoicingUnavailable(OFFLINE_BACK_ROOM, code="offline") from None
    except AccountRefused as exc:
        raise InvoicingUnavailable(exc.message, code=exc.code) from None


def _data(receptor: Receptor) -> ReceptorData:
    return ReceptorData(rfc=receptor.rfc, name=receptor.name, postal_code=receptor.postal_code,
                        regime=receptor.regime, uso=receptor.uso)


def _once(device: Device, call: Callable[[InvoicingClient], _R]) -> _R:
    client = InvoicingClient(device)
    try:
        return call(client)
    finally:
        client.close()
