"""Helpers the invoicing use cases share, inside their callers' transactions: record a signed
CFDI with its folio, sign in a worker thread, show an invoice to a person, sort the owner's
invoices into issued, cancelled and errors."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from shared.fiscal import Receptor
from shared.money import format_mxn
from sync_server.cfdi.documents import Signed
from sync_server.db import Connection
from sync_server.repositories import credit_notes, invoiced_sales, invoices
from sync_server.repositories.invoices import InvoiceRow, NewInvoice

T = TypeVar("T")

STATUS_TEXT = {
    "pending": "En proceso: se está timbrando con el SAT.",
    "stamping": "En proceso: se está timbrando con el SAT.",
    "stamped": "Timbrada.",
    "rejected": "El PAC la rechazó.",
    "discarded": "Sin ventas que facturar.",
}
CANCEL_TEXT = {
    "requested": "Cancelación solicitada.",
    "sending": "Cancelación solicitada.",
    "in_process": "Cancelación en espera de que el cliente la acepte.",
    "cancelled": "Cancelada.",
    "refused": "La cancelación no procedió.",
}


async def off_the_loop(fn: Callable[[], T]) -> T:
    """Building and signing (CPU, up to seconds for a busy month) without stopping the server."""
    return await asyncio.to_thread(fn)


async def record(conn: Connection, tenant_id: uuid.UUID, *, invoice_id: uuid.UUID, kind: str,
                 series: str, folio: int, receptor: Receptor, signed: Signed,
                 requested_by: str, device_id: uuid.UUID | None = None,
                 period: tuple[str, object, object] | None = None,
                 after_cancel_of: uuid.UUID | None = None,
                 replaces: uuid.UUID | None = None, credits: uuid.UUID | None = None,
                 whatsapp_to: str | None = None) -> None:
    """Insert a signed CFDI as pending (for the worker to stamp), the sales it covers and the
    returns its amounts account for (net of them, or crediting them)."""
    t = signed.totals
    await invoices.insert(conn, tenant_id, NewInvoice(
        invoice_id, kind, series, folio,
        (receptor.rfc, receptor.name, receptor.postal_code, receptor.regime, receptor.uso),
        signed.forma_pago, signed.metodo_pago, t.total, t.base, t.iva, t.ieps, signed.issued_at,
        signed.xml, secrets.token_urlsafe(24), requested_by, device_id,
        period,  # type: ignore[arg-type]
        after_cancel_of, replaces, credits, whatsapp_to))
    await invoiced_sales.link(conn, tenant_id, invoice_id, signed.sales)
    await credit_notes.account_for(conn, tenant_id, invoice_id, signed.returns)


@dataclass(frozen=True)
class InvoiceView:
    """An invoice as a person sees it (the customer's page, the till, the owner)."""

    invoice_id: uuid.UUID
    kind: str
    series: str
    folio: int
    status: str
    cancel_status: str | None
    uuid: str | None
    receptor_rfc: str
    receptor_name: str
    total: int
    iva: int
    ieps: int
    issued_at: datetime
    access_key: str
    message: str
    error: str | None

    @property
    def stamped(self) -> bool:
        return self.status == "stamped"

    @property
    def number(self) -> str:
        return f"{self.series}-{self.folio}"

    @property
    def total_text(self) -> str:
        return format_mxn(self.total)


def view(row: InvoiceRow) -> InvoiceView:
    message = STATUS_TEXT[row.status]
    if row.cancel_status:
        message = CANCEL_TEXT[row.cancel_status]
    elif row.after_cancel_of and row.status == "pending":
        message = ("En proceso: primero se cancela la factura global que incluía la venta "
                   "(motivo 04).")
    error = row.cancel_error if row.cancel_status == "refused" else (
        row.last_error if row.status in ("rejected", "pending") else None)
    return InvoiceView(row.invoice_id, row.kind, row.series, row.folio, row.status,
                       row.cancel_status, row.cfdi_uuid, row.receptor_rfc, row.receptor_name,
                       row.total, row.iva, row.ieps, row.issued_at, row.access_key, message, error)


def sorted_out(month_rows: Sequence[InvoiceRow], open_rows: Sequence[InvoiceRow]
               ) -> tuple[list[InvoiceRow], list[InvoiceRow], list[InvoiceRow]]:
    """The owner's three piles (the back room's list and the owner's chat): issued in the
    month (stamped or on its way, not cancelled), cancelled in it, and errors whenever made
    (refused by the PAC, pending long, cancellations refused)."""
    issued = [r for r in month_rows if r.status in ("stamped", "pending", "stamping")
              and r.cancel_status != "cancelled"]
    cancelled = [r for r in month_rows if r.cancel_status == "cancelled"]
    errors = [r for r in open_rows if r.status == "rejected" or r.attempts >= 3
              or r.cancel_status == "refused"]
    return issued, cancelled, errors
