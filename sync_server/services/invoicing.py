"""A customer's own invoice for a ticket: from the ticket's QR (the customer), at the counter
(a till), or by the owner. Once per sale, within the shop's window (by default the end of the
sale's month), refused in Spanish before anything reaches the PAC when the data is wrong.

A sale already in a factura global that was not stamped yet simply leaves it (the global is
signed again without it). One whose global was stamped follows SAT's motive 04: the global
is cancelled, a new global for the period without the sale is issued, and the customer's
invoice is stamped once the old global's cancellation is done.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.errors import DomainError
from shared.fiscal import Receptor
from shared.ids import new_uuid7
from shared.money import format_mxn, parse_mxn
from shared.sale import PaymentMethod
from sync_server import db
from sync_server.cfdi import documents
from sync_server.cfdi.places import zone_of
from sync_server.cfdi.tickets import Ticket, invoice_deadline
from sync_server.repositories import invoiced_sales, invoices, tenants
from sync_server.services import fiscal, global_invoice, stamping
from sync_server.services.fiscal import CfdiContext, Issuing
from sync_server.services.invoice_records import InvoiceView, off_the_loop, record, view
from sync_server.services.throttling import Limit, address_key, begin_attempt, forgive

log = logging.getLogger(__name__)
_background: set[asyncio.Task[bool]] = set()  # stamps that outlive the request that began them


class SaleNotFound(DomainError):
    code = "unknown_sale"


class InvoiceRefused(DomainError):
    """``code``: ``invoice_window_closed``, ``sale_returned``, ``ticket_mismatch``."""

    code = "invoice_refused"


class AlreadyInvoiced(DomainError):
    code = "already_invoiced"

    def __init__(self, invoice: InvoiceView) -> None:
        super().__init__("Esta venta ya tiene su factura: se factura una sola vez.")
        self.invoice = invoice


@dataclass(frozen=True)
class TicketFacts:
    """What the customer's page shows of a ticket once its folio and total matched."""

    tenant_id: uuid.UUID
    sale_id: uuid.UUID
    shop_name: str
    folio: str
    sold_at: datetime  # local
    total: int
    net_total: int
    deadline: datetime  # local
    on_fiado: bool
    paid_by_card: bool
    invoice: InvoiceView | None
    refusal: str | None  # why it cannot be invoiced (Spanish), if it cannot
    whatsapp: bool = False  # the shop has its WhatsApp channel: the invoice may go there

    @property
    def total_text(self) -> str:
        return format_mxn(self.net_total)


def _refusal(ticket: Ticket, now: datetime, issuing: Issuing) -> InvoiceRefused | None:
    if ticket.net_total <= 0:
        return InvoiceRefused("Esta venta se devolvió completa: no queda nada que facturar.",
                              code="sale_returned")
    deadline = invoice_deadline(ticket.sold_at, issuing.zone, issuing.preferences.window_days)
    if now >= deadline:
        last = deadline.astimezone(issuing.zone)
        return InvoiceRefused("El plazo para facturar este ticket terminó el "
                              f"{last:%d/%m/%Y} a las {last:%H:%M}.",
                              code="invoice_window_closed")
    return None


async def find_ticket(ctx: CfdiContext, sale_id: uuid.UUID, folio: str, total: str,
                      client: str) -> TicketFacts:
    """The ticket behind a QR, once the customer proves they hold it (its folio and total).
    Wrong guesses count against the client's address."""
    try:
        amount = parse_mxn(total)
    except DomainError:
        amount = -1
    attempt = await begin_attempt(ctx.pool, "self_invoice", [
        Limit(address_key(client), ctx.settings.auth_failures_allowed)],
        ctx.settings.auth_failure_window_s)
    async with db.unscoped_tx(ctx.pool) as conn:
        candidates = await invoiced_sales.tenants_of_sale(conn, sale_id)
    for tenant_id in candidates:
        if await _matches(ctx, tenant_id, [sale_id], folio, amount) is not None:
            await forgive(ctx.pool, attempt)
            return await ticket_facts(ctx, tenant_id, sale_id)
    raise _mismatch()


async def find_ticket_in_shop(ctx: CfdiContext, tenant_id: uuid.UUID, folio: str, total: str,
                              who: str) -> TicketFacts:
    """A ticket of this shop by its printed folio, once its total proves the person holds it
    (the WhatsApp flow: there is no QR). Wrong guesses count against ``who`` (their WhatsApp)
    in their own scope, ``whatsapp_invoice_guesses_allowed`` per the auth window."""
    try:
        amount = parse_mxn(total)
    except DomainError:
        amount = -1
    key = "wa:" + hashlib.sha256(who.encode()).hexdigest()[:40]  # the throttle names no one
    attempt = await begin_attempt(ctx.pool, "self_invoice_wa", [
        Limit(key, ctx.settings.whatsapp_invoice_guesses_allowed)],
        ctx.settings.auth_failure_window_s)
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        sale_ids = await invoiced_sales.sales_with_folio(conn, tenant_id, folio)
    found = await _matches(ctx, tenant_id, sale_ids, folio, amount) if sale_ids else None
    if found is None:
        raise _mismatch()
    await forgive(ctx.pool, attempt)
    return await ticket_facts(ctx, tenant_id, found)


async def _matches(ctx: CfdiContext, tenant_id: uuid.UUID, sale_ids: list[uuid.UUID], folio: str,
                   amount: int) -> uuid.UUID | None:
    """The sale among these whose folio is the one printed and whose total (as sold, or net of
    returns) is the one the person gave. $0 proves nothing: it is the net of every ticket
    returned in full, so it would open one (and its invoice, if it had one) to any folio read."""
    if amount <= 0:
        return None
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        loaded = await invoiced_sales.load(conn, tenant_id, sale_ids)
    for sale_id in sale_ids:
        rows = loaded.get(sale_id)
        if rows and rows.folio.strip().upper() == folio.strip().upper() and amount in (
                rows.total, documents.ticket_of(rows).net_total):
            return sale_id
    return None


def _mismatch() -> InvoiceRefused:
    return InvoiceRefused("No encontramos un ticket con ese folio y ese total. Revisa los dos "
                          "datos impresos en tu ticket.", code="ticket_mismatch")


async def ticket_facts(ctx: CfdiContext, tenant_id: uuid.UUID, sale_id: uuid.UUID) -> TicketFacts:
    issuing = await fiscal.issuing(ctx, tenant_id)
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        rows = (await invoiced_sales.load(conn, tenant_id, [sale_id])).get(sale_id)
        if rows is None:
            raise SaleNotFound("No encontramos esa venta.")
        own = (await invoiced_sales.coverage(conn, tenant_id, sale_id)).invoice_id
        row = await invoices.get(conn, tenant_id, own) if own else None
        shop = await tenants.get_name(conn, tenant_id) or ""
    ticket = documents.ticket_of(rows)
    refusal = _refusal(ticket, ctx.clock(), issuing)
    deadline = invoice_deadline(ticket.sold_at, issuing.zone, issuing.preferences.window_days)
    return TicketFacts(tenant_id, sale_id, shop, ticket.folio, ticket.sold_at.astimezone(issuing.zone),
                       ticket.total, ticket.net_total, deadline.astimezone(issuing.zone),
                       ticket.on_fiado, ticket.paid.get(PaymentMethod.CARD, 0) > 0,
                       view(row) if row else None, refusal.message if refusal else None,
                       await ctx.integrations.masked(tenant_id, "whatsapp") is not None)


async def invoice_ticket(ctx: CfdiContext, tenant_id: uuid.UUID, sale_id: uuid.UUID,
                         receptor: Receptor, *, requested_by: str, card_forma: str | None = None,
                         device_id: uuid.UUID | None = None, wait_s: float = 0.0,
                         whatsapp_to: str | None = None) -> InvoiceView:
    """Sign the customer's invoice for a sale (pending for the PAC) and, if ``wait_s``, try to
    stamp it at once, waiting that long for the answer (the stamp goes on if it takes more).
    ``whatsapp_to``: once stamped, it goes to that WhatsApp (``invoice_whatsapp``)."""
    issuing = await fiscal.issuing(ctx, tenant_id)
    now = ctx.clock()
    invoice_id = new_uuid7()
    waits_for = None
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        rows = (await invoiced_sales.load(conn, tenant_id, [sale_id])).get(sale_id)
        if rows is None:
            raise SaleNotFound("No encontramos esa venta.")
        ticket = documents.ticket_of(rows)
        if (refusal := _refusal(ticket, now, issuing)) is not None:
            raise refusal
        covered = await invoiced_sales.lock_sale(conn, tenant_id, sale_id)
        if covered.invoice_id is not None:
            existing = await invoices.get(conn, tenant_id, covered.invoice_id)
            assert existing is not None
            raise AlreadyInvoiced(view(existing))
        if covered.global_invoice_id is not None:
            waits_for = await _leave_global(ctx, conn, tenant_id, covered.global_invoice_id,
                                            issuing, sale_id)
        series = issuing.profile.series_for("ticket")
        folio = await invoices.next_folio(conn, tenant_id, series)
        fecha = now.astimezone(zone_of(issuing.profile.postal_code))
        signed = await off_the_loop(lambda: documents.ticket_invoice(
            issuing.profile.issuer, issuing.signer, ticket, receptor, serie=series, folio=folio,
            fecha=fecha, card_forma=card_forma or issuing.preferences.card_forma))
        await record(conn, tenant_id, invoice_id=invoice_id, kind="ticket", series=series,
                     folio=folio, receptor=receptor, signed=signed, requested_by=requested_by,
                     device_id=device_id, after_cancel_of=waits_for, whatsapp_to=whatsapp_to)
        await invoiced_sales.set_own(conn, tenant_id, sale_id, invoice_id)
    log.info("invoice signed", extra={"tenant_id": str(tenant_id), "invoice_id": str(invoice_id),
                                      "by": requested_by})
    if wait_s > 0 and waits_for is None:
        await stamp_soon(ctx, tenant_id, issuing, invoice_id, wait_s)
    return await invoice_view(ctx, tenant_id, invoice_id)


async def _leave_global(ctx: CfdiContext, conn: db.Connection, tenant_id: uuid.UUID,
                        global_id: uuid.UUID, issuing: Issuing, sale_id: uuid.UUID) -> uuid.UUID | None:
    """Take the sale out of its global; returns the global whose cancellation the customer's
    invoice must wait for (motive 04), or None if the sale was never in a stamped one."""
    g = await invoices.get(conn, tenant_id, global_id, lock=True)
    assert g is not None
    if g.status == "pending":
        await global_invoice.rebuild_global(ctx, conn, tenant_id, global_id, issuing, sale_id)
        return g.after_cancel_of  # a replacement global: the one it replaces held the sale
    return await global_invoice.replace_global(ctx, conn, tenant_id, global_id, issuing, sale_id)


async def stamp_soon(ctx: CfdiContext, tenant_id: uuid.UUID, issuing: Issuing,
                     invoice_id: uuid.UUID, wait_s: float) -> None:
    """Stamp now, waiting up to ``wait_s``; past that the stamp finishes in the background
    (the worker would take it anyway)."""
    task = asyncio.create_task(stamping.stamp_next(ctx, tenant_id, issuing, invoice_id))
    _background.add(task)
    task.add_done_callback(_background.discard)
    await asyncio.wait({task}, timeout=wait_s)


async def invoice_view(ctx: CfdiContext, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> InvoiceView:
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        row = await invoices.get(conn, tenant_id, invoice_id)
    if row is None:
        raise SaleNotFound("No encontramos esa factura.")
    return view(row)
