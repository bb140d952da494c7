"""A customer's stamped self-invoice on their WhatsApp, when they asked for it on the
self-invoicing page: one message through the outbound queue (kind ``invoice``), with the PDF as
a document and the XML's link. The WhatsApp sender decides how it may go like any message the
shop starts: the person must have written to the shop (or confirmed their number with a code),
the caps apply, and outside Meta's 24-hour window it goes as the approved template with the
links. Queued once per invoice (its request id is derived from the invoice)."""

from __future__ import annotations

import uuid
from typing import Any

from shared.money import format_mxn
from sync_server.db import Connection
from sync_server.repositories import invoices, outbound, tenants
from sync_server.services.fiscal import CfdiContext

_NAMESPACE = uuid.UUID("6f1c7a52-8d0e-4c1b-9a43-2f6b4d0c9e17")  # invoice → its message's id


def links(base_url: str, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
          access_key: str) -> dict[str, str]:
    """The invoice's own download links (its random key; no login), as the customer's page has
    them."""
    base = f"{base_url}/factura/d/{tenant_id}/{invoice_id}/{access_key}"
    return {"pdf": f"{base}.pdf", "xml": f"{base}.xml"}


def document_message(base_url: str, shop: str, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
                     access_key: str, number: str, total: int,
                     cfdi_uuid: str | None) -> tuple[str, dict[str, Any]]:
    """A stamped invoice as one WhatsApp message: its text (for templates and logs) and the
    document's shape (the PDF's link; the XML's in its caption)."""
    url = links(base_url, tenant_id, invoice_id, access_key)
    text = (f"Tu factura {number} de {shop} por {format_mxn(total)} (folio fiscal "
            f"{cfdi_uuid}). PDF: {url['pdf']} XML: {url['xml']}")
    document = {"type": "document", "document": {
        "link": url["pdf"], "filename": f"factura-{number}.pdf",
        "caption": f"Tu factura {number} de {shop}. El XML: {url['xml']}"}}
    return text, document


async def queue_if_asked(ctx: CfdiContext, conn: Connection, tenant_id: uuid.UUID,
                         invoice_id: uuid.UUID) -> bool:
    """Queue the stamped invoice for the customer's WhatsApp if they asked; True if queued now
    (False: not asked, or queued before)."""
    to = await invoices.whatsapp_to(conn, tenant_id, invoice_id)
    row = await invoices.get(conn, tenant_id, invoice_id)
    if not to or row is None or row.status != "stamped":
        return False
    shop = await tenants.get_name(conn, tenant_id) or "la tienda"
    text, document = document_message(ctx.settings.base_url(), shop, tenant_id, invoice_id,
                                      row.access_key, f"{row.series}-{row.folio}", row.total,
                                      row.cfdi_uuid)
    return await outbound.insert_message(
        conn, tenant_id, uuid.uuid5(_NAMESPACE, str(invoice_id)), kind=outbound.INVOICE,
        body=text, contact_id=None, to_phone=to, to_bsuid=None, message=document)
