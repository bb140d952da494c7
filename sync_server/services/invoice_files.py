"""What the owner and the customer take away: an invoice's XML and PDF, the owner's list of
invoices (issued, cancelled, globals pending, errors) and the accountant's monthly ZIP."""

from __future__ import annotations

import csv
import hmac
import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from satcfdi import render
from satcfdi.cfdi import CFDI

from shared.errors import DomainError
from shared.money import format_mxn
from sync_server import db
from sync_server.repositories import invoices
from sync_server.services import fiscal, global_invoice
from sync_server.services.fiscal import CfdiContext
from sync_server.services.global_invoice import GlobalOutcome
from sync_server.services.invoice_records import InvoiceView, off_the_loop, sorted_out, view


class DocumentNotFound(DomainError):
    code = "not_found"


async def stamped_xml(ctx: CfdiContext, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
                      access_key: str | None = None) -> tuple[InvoiceView, bytes]:
    """A stamped invoice's XML. With ``access_key`` (the customer's download link) it must be
    the invoice's own; the owner's API passes none."""
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        row = await invoices.get(conn, tenant_id, invoice_id)
        docs = await invoices.documents(conn, tenant_id, invoice_id)
    if row is None or docs is None or docs[1] is None or (
            access_key is not None and not hmac.compare_digest(access_key, row.access_key)):
        raise DocumentNotFound("Esa factura no existe o todavía no está timbrada.")
    return view(row), docs[1]


async def pdf(ctx: CfdiContext, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
              access_key: str | None = None) -> tuple[InvoiceView, bytes]:
    """The printed representation of a stamped CFDI (satcfdi's template, weasyprint)."""
    shown, xml = await stamped_xml(ctx, tenant_id, invoice_id, access_key)
    return shown, await off_the_loop(lambda: bytes(render.pdf_bytes(CFDI.from_string(xml))))


def file_name(shown: InvoiceView, ext: str) -> str:
    return f"{shown.series}-{shown.folio}_{shown.uuid or 'pendiente'}.{ext}"


@dataclass(frozen=True)
class InvoiceList:
    issued: list[InvoiceView]
    cancelled: list[InvoiceView]
    errors: list[InvoiceView]  # refused by the PAC, pending long, cancellations refused
    pending_globals: list[GlobalOutcome]


def month_bounds(year: int, month: int, zone: object) -> tuple[datetime, datetime]:
    first = date(year, month, 1)
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return (datetime.combine(first, time(), zone).astimezone(UTC),  # type: ignore[arg-type]
            datetime.combine(nxt, time(), zone).astimezone(UTC))  # type: ignore[arg-type]


async def list_invoices(ctx: CfdiContext, tenant_id: uuid.UUID, year: int, month: int) -> InvoiceList:
    zone = await fiscal.shop_zone(ctx, tenant_id)
    start, end = month_bounds(year, month, zone)
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        month_rows = await invoices.list_between(conn, tenant_id, start, end)
        open_rows = await invoices.unfinished(conn, tenant_id)
    issued, cancelled, errors = (list(map(view, rows)) for rows in sorted_out(month_rows, open_rows))
    try:
        pending = await global_invoice.pending_globals(ctx, tenant_id)
    except fiscal.NotConfigured:
        pending = []
    return InvoiceList(issued, cancelled, errors, pending)


async def month_zip(ctx: CfdiContext, tenant_id: uuid.UUID, year: int, month: int) -> bytes:
    """The accountant's month: every CFDI stamped in it (XML), the acuse of each cancellation,
    and a summary (resumen.csv: series, folio, UUID, kind, RFC, totals, state)."""
    zone = await fiscal.shop_zone(ctx, tenant_id)
    start, end = month_bounds(year, month, zone)
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        stamped = await invoices.stamped_between(conn, tenant_id, start, end)
        listed = {(r.series, r.folio): r for r in
                  await invoices.list_between(conn, tenant_id, start - (end - start), end)}
    out = io.BytesIO()
    summary = io.StringIO()
    writer = csv.writer(summary)
    writer.writerow(["serie", "folio", "uuid", "tipo", "rfc_receptor", "nombre_receptor", "total",
                     "iva", "ieps", "estado"])
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for series, folio, cancel_status, xml, acuse in stamped:
            row = listed.get((series, folio))
            u = row.cfdi_uuid if row else ""
            z.writestr(f"xml/{series}-{folio}_{u}.xml", xml or b"")
            if acuse:
                z.writestr(f"acuses/{series}-{folio}_{u}_cancelacion.xml", acuse)
            if row:
                writer.writerow([series, folio, u, row.kind, row.receptor_rfc, _cell(row.receptor_name),
                                 format_mxn(row.total), format_mxn(row.iva), format_mxn(row.ieps),
                                 "cancelada" if cancel_status == "cancelled" else "vigente"])
        z.writestr("resumen.csv", "\ufeff" + summary.getvalue())
    return out.getvalue()


def _cell(text: str) -> str:
    """A customer's text in a spreadsheet cell: never read as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
