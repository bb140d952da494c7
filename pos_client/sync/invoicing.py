"""The till's invoicing calls to its server (httpx, as the sync client): a sale's own invoice
for a customer at the counter, the month's invoices for the back room, a global issued now."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from pos_client.store.device import Device
from pos_client.sync.client import Offline, SyncClient, SyncRefused, _parse
from shared.errors import DomainError
from shared.fiscal import Receptor
from shared.sync.invoices import (
    CardForma,
    GlobalRequest,
    InvoiceMonth,
    InvoiceRequest,
    InvoiceSummary,
    PendingGlobal,
    ReceptorData,
)

_T = TypeVar("_T", InvoiceSummary, InvoiceMonth, PendingGlobal)
_R = TypeVar("_R")
# The server waits up to 20 s for the PAC before it answers "en proceso".
TIMEOUT_S = 40.0


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
        body = InvoiceRequest(sale_id=sale_id, card_forma=card_forma, receptor=ReceptorData(
            rfc=receptor.rfc, name=receptor.name, postal_code=receptor.postal_code,
            regime=receptor.regime, uso=receptor.uso)).model_dump_json()
        return self._ask(InvoiceSummary, "POST", "/v1/invoices", body)

    def month(self, year: int, month: int) -> InvoiceMonth:
        return self._ask(InvoiceMonth, "GET", "/v1/invoices", None,
                         params={"month": f"{year:04d}-{month:02d}"})

    def issue_global(self, day: date, accept_missing: list[uuid.UUID]) -> PendingGlobal:
        body = GlobalRequest(period_start=day, accept_missing=accept_missing).model_dump_json()
        return self._ask(PendingGlobal, "POST", "/v1/invoices/globals", body)

    def _ask(self, model: type[_T], method: str, path: str, body: str | None,
             **kw: Any) -> _T:
        try:
            return _parse(model, self._http._call(method, path, body, **kw))
        except Offline:
            raise InvoicingUnavailable("No hay conexión con el servidor. La venta queda igual; "
                                       "intenta facturar cuando vuelva la conexión.",
                                       code="offline") from None
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


def _once(device: Device, call: Callable[[InvoicingClient], _R]) -> _R:
    client = InvoicingClient(device)
    try:
        return call(client)
    finally:
        client.close()
