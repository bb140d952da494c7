"""Cancelling a stamped CFDI with SAT's motives, as the owner asks.

01 (errors, with a relation): the corrected invoice is issued first, relating the old UUID
(TipoRelacion 04); once it is stamped the old one is cancelled naming it as the substitute. A
payment complement's replacement is the same payment signed again with the shop's data now. 02
(errors, no relation) and 03 (the operation did not happen) are sent as they are. 04 (a sale of
a global invoiced on its own) is asked by the invoicing flow itself, never by hand. The worker
sends each request and the state follows the PAC's answer, then SAT's when the customer must
accept (``in_process``); a cancelled invoice no longer covers its sales.
"""

from __future__ import annotations

import logging
import uuid

from shared.errors import DomainError
from shared.fiscal import Receptor
from shared.ids import new_uuid7
from sync_server import db
from sync_server.cfdi import documents
from sync_server.cfdi.places import zone_of
from sync_server.repositories import invoiced_sales, invoices
from sync_server.services import fiscal, invoice_payments
from sync_server.services.fiscal import CfdiContext
from sync_server.services.invoice_records import InvoiceView, off_the_loop, record, view

log = logging.getLogger(__name__)
MOTIVES = {"01": "Comprobante emitido con errores con relación",
           "02": "Comprobante emitido con errores sin relación",
           "03": "No se llevó a cabo la operación",
           "04": "Operación nominativa relacionada en una factura global"}


class CancelRefused(DomainError):
    code = "cancel_refused"


async def cancel_invoice(ctx: CfdiContext, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
                         motive: str, replacement: Receptor | None = None) -> InvoiceView:
    """Ask for a cancellation (01 with the corrected customer data, which issues the
    replacement first). Returns the invoice, or for 01 the replacement."""
    if motive == "04":
        raise CancelRefused("El motivo 04 lo aplica el sistema cuando un cliente factura una "
                            "venta que ya estaba en la factura global.")
    if motive not in MOTIVES:
        raise CancelRefused("Elige el motivo de cancelación: 01, 02 o 03.")
    issuing = await fiscal.issuing(ctx, tenant_id) if motive == "01" else None
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        row = await invoices.get(conn, tenant_id, invoice_id, lock=True)
        if row is None:
            raise CancelRefused("No existe esa factura.", code="not_found")
        if row.status != "stamped":
            raise CancelRefused("Solo se cancela una factura timbrada.")
        if row.cancel_status not in (None, "refused") or (
                await invoices.replacement_under_way(conn, tenant_id, invoice_id)):
            # (a 01 asks for its own cancellation once the replacement is stamped: until
            # then a second request would sign a second replacement)
            raise CancelRefused("Esa factura ya tiene una cancelación en curso o está cancelada.")
        if motive != "01":
            await invoices.request_cancel(conn, tenant_id, invoice_id, motive, None,
                                          by_owner=True)
            log.info("cancellation requested", extra={"tenant_id": str(tenant_id),
                                                      "invoice_id": str(invoice_id),
                                                      "motive": motive})
            return view(await _row(conn, tenant_id, invoice_id))
        if row.kind == "payment" and issuing is not None:
            new_receipt = await invoice_payments.replace_receipt(ctx, conn, tenant_id, row,
                                                                 issuing)
            return view(await _row(conn, tenant_id, new_receipt))
        if row.kind != "ticket" or replacement is None or issuing is None:
            raise CancelRefused("El motivo 01 es para la factura de un cliente, con sus datos "
                                "corregidos, o para un complemento de pago: se emite primero "
                                "el que la sustituye.")
        sales = await invoiced_sales.sales_of(conn, tenant_id, invoice_id)
        rows = await invoiced_sales.load(conn, tenant_id, sales)
        ticket = documents.ticket_of(rows[sales[0]])
        new_id = new_uuid7()
        series = issuing.profile.series_for("ticket")
        folio = await invoices.next_folio(conn, tenant_id, series)
        fecha = ctx.clock().astimezone(zone_of(issuing.profile.postal_code))
        old_uuid = row.cfdi_uuid or ""
        signed = await off_the_loop(lambda: documents.ticket_invoice(
            issuing.profile.issuer, issuing.signer, ticket, replacement, serie=series,
            folio=folio, fecha=fecha, card_forma=issuing.preferences.card_forma,
            replaces=[old_uuid]))
        await record(conn, tenant_id, invoice_id=new_id, kind="ticket", series=series,
                     folio=folio, receptor=replacement, signed=signed, requested_by="owner",
                     replaces=invoice_id)
        await invoiced_sales.lock_sale(conn, tenant_id, ticket.sale_id)
        await invoiced_sales.set_own(conn, tenant_id, ticket.sale_id, new_id)
        return view(await _row(conn, tenant_id, new_id))


async def _row(conn: db.Connection, tenant_id: uuid.UUID,
               invoice_id: uuid.UUID) -> invoices.InvoiceRow:
    row = await invoices.get(conn, tenant_id, invoice_id)
    assert row is not None
    return row
