"""The customer's self-invoicing pages (autofactura), reached from the QR on the ticket:
``/factura/{sale_id}``. Plain server-rendered HTML in Spanish, for a phone: first the ticket's
folio and total (proof of holding it; wrong guesses throttled per address), then the fiscal
data, then the stamped CFDI's XML and PDF. Forms carry a double-submit CSRF token; nothing is
stored between the steps but a signed pass (services/ticket_pass.py)."""

from __future__ import annotations

import hmac
import secrets
import uuid
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from shared.errors import DomainError
from shared.fiscal import REGIMES, USOS
from shared.phone import InvalidPhone, normalize_phone
from sync_server.api.deps import Client
from sync_server.services import fiscal, invoice_files, invoicing, ticket_pass
from sync_server.services.fiscal import CfdiContext
from sync_server.services.invoice_records import InvoiceView
from sync_server.services.throttling import TooManyAttempts

router = APIRouter(tags=["factura"], include_in_schema=False)
_pages = Environment(loader=PackageLoader("sync_server.api", "templates"),
                     autoescape=select_autoescape(["html"]))
CSRF_COOKIE = "mch_csrf"
MAX_FORM_BYTES = 16 * 1024
EMPTY_FORM = {"rfc": "", "name": "", "postal_code": "", "regime": "", "uso": "G03", "card": "04",
              "whatsapp": "", "send": ""}


def _ctx(request: Request) -> CfdiContext:
    ctx: CfdiContext = request.app.state.cfdi
    return ctx


def _page(request: Request, template: str, status: int = 200, **data: Any) -> HTMLResponse:
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    html = _pages.get_template(f"factura/{template}.html").render(csrf=token, **data)
    answer = HTMLResponse(html, status_code=status,
                          headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                   "Referrer-Policy": "no-referrer"})
    answer.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                      secure=request.url.scheme == "https", path="/factura")
    return answer


def _notice(request: Request, title: str, message: str, status: int = 409,
            back: str | None = None) -> HTMLResponse:
    return _page(request, "aviso", status, title=title, message=message, back=back)


async def _form(request: Request) -> dict[str, str] | None:
    """The posted form, or None if it is too big or its CSRF token is not the cookie's."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(fields.get("csrf", ""), cookie):
        return None
    return fields


def _expired(request: Request, sale_id: uuid.UUID) -> HTMLResponse:
    return _notice(request, "Vuelve a empezar", "La página caducó o no se pudo verificar. "
                   "Vuelve a abrir el enlace de tu ticket.", 403, f"/factura/{sale_id}")


def _links(tenant_id: uuid.UUID, invoice: InvoiceView) -> dict[str, str]:
    base = f"/factura/d/{tenant_id}/{invoice.invoice_id}/{invoice.access_key}"
    return {"pdf": f"{base}.pdf", "xml": f"{base}.xml"}


@router.get("/factura/{sale_id}", response_class=HTMLResponse)
async def start(sale_id: uuid.UUID, request: Request) -> HTMLResponse:
    return _page(request, "ticket", title="Factura tu compra", action=f"/factura/{sale_id}",
                 folio="", total="")


@router.post("/factura/{sale_id}", response_class=HTMLResponse)
async def check_ticket(sale_id: uuid.UUID, request: Request, client: Client) -> HTMLResponse:
    form = await _form(request)
    if form is None:
        return _expired(request, sale_id)
    ctx = _ctx(request)
    try:
        ticket = await invoicing.find_ticket(ctx, sale_id, form.get("folio", ""),
                                             form.get("total", ""), client)
    except invoicing.InvoiceRefused as exc:
        return _page(request, "ticket", 409, title="Factura tu compra", error=exc.message,
                     action=f"/factura/{sale_id}", folio=form.get("folio", "")[:40],
                     total=form.get("total", "")[:20])
    except TooManyAttempts as exc:
        return _notice(request, "Espera un momento", exc.message, status=429)
    except DomainError as exc:
        return _notice(request, "No se puede facturar", exc.message)
    proof = ticket_pass.issue(ctx.settings, ticket.tenant_id, sale_id, ctx.clock())
    if ticket.invoice is not None:
        return _result(request, ticket, ticket.invoice, proof)
    if ticket.refusal:
        return _notice(request, "No se puede facturar", ticket.refusal)
    return _data_page(request, ticket, proof, EMPTY_FORM)


def _data_page(request: Request, ticket: invoicing.TicketFacts, proof: str,
               form: dict[str, str], error: str | None = None) -> HTMLResponse:
    return _page(request, "datos", 409 if error else 200, title="Tus datos fiscales",
                 ticket=ticket, proof=proof, form=form, error=error,
                 action=f"/factura/{ticket.sale_id}/datos", regimes=list(REGIMES.values()),
                 usos=list(USOS.values()))


def _result(request: Request, ticket: invoicing.TicketFacts | None, invoice: InvoiceView,
            proof: str) -> HTMLResponse:
    sale_id = ticket.sale_id if ticket else ""
    status_url = f"/factura/{sale_id}/estado?ticket={proof}"
    waiting = not invoice.stamped and invoice.status in ("pending", "stamping")
    tenant = ticket.tenant_id if ticket else uuid.UUID(int=0)
    return _page(request, "resultado", title="Tu factura", ticket=ticket, invoice=invoice,
                 links=_links(tenant, invoice), status_url=status_url if waiting else None,
                 refresh=10 if waiting else None)


@router.post("/factura/{sale_id}/datos", response_class=HTMLResponse)
async def issue(sale_id: uuid.UUID, request: Request) -> HTMLResponse:
    form = await _form(request)
    ctx = _ctx(request)
    tenant_id = ticket_pass.read(ctx.settings, (form or {}).get("ticket", ""), sale_id, ctx.clock())
    if form is None or tenant_id is None:
        return _expired(request, sale_id)
    kept = {k: form.get(k, "")[:300] for k in EMPTY_FORM}
    try:
        ticket = await invoicing.ticket_facts(ctx, tenant_id, sale_id)
    except DomainError as exc:
        return _notice(request, "No se puede facturar", exc.message)
    try:
        receptor = fiscal.checked_receptor(ctx, kept["rfc"], kept["name"], kept["postal_code"],
                                           kept["regime"], kept["uso"])
        invoice = await invoicing.invoice_ticket(
            ctx, tenant_id, sale_id, receptor, requested_by="customer",
            card_forma=kept["card"] if kept["card"] in ("04", "28") else None,
            wait_s=ctx.settings.cfdi_stamp_wait_s, whatsapp_to=_whatsapp_to(kept, ticket))
    except invoicing.AlreadyInvoiced as exc:
        return _result(request, ticket, exc.invoice, form["ticket"])
    except DomainError as exc:
        return _data_page(request, ticket, form["ticket"], kept, exc.message)
    return _result(request, ticket, invoice, form["ticket"])


def _whatsapp_to(form: dict[str, str], ticket: invoicing.TicketFacts) -> str | None:
    """The customer's WhatsApp, if the shop has the channel and they asked to get it there."""
    if not (ticket.whatsapp and form.get("send") == "si"):
        return None
    to = normalize_phone(form.get("whatsapp", ""))
    if to is None:
        raise InvalidPhone("Escribe tu número de WhatsApp para recibir ahí tu factura, o "
                           "desmarca la casilla.")
    return to


@router.get("/factura/{sale_id}/estado", response_class=HTMLResponse)
async def status(sale_id: uuid.UUID, ticket: str, request: Request) -> HTMLResponse:
    ctx = _ctx(request)
    tenant_id = ticket_pass.read(ctx.settings, ticket, sale_id, ctx.clock())
    if tenant_id is None:
        return _expired(request, sale_id)
    try:
        facts = await invoicing.ticket_facts(ctx, tenant_id, sale_id)
    except DomainError as exc:
        return _notice(request, "No se puede facturar", exc.message)
    if facts.invoice is None:
        return _data_page(request, facts, ticket, EMPTY_FORM)
    return _result(request, facts, facts.invoice, ticket)


@router.get("/factura/d/{tenant_id}/{invoice_id}/{key}.{ext}")
async def download(tenant_id: uuid.UUID, invoice_id: uuid.UUID, key: str, ext: str,
                   request: Request) -> Response:
    ctx = _ctx(request)
    try:
        if ext == "xml":
            shown, data = await invoice_files.stamped_xml(ctx, tenant_id, invoice_id, key)
            media = "application/xml"
        elif ext == "pdf":
            shown, data = await invoice_files.pdf(ctx, tenant_id, invoice_id, key)
            media = "application/pdf"
        else:
            raise invoice_files.DocumentNotFound("Ese archivo no existe.")
    except DomainError as exc:
        return _notice(request, "Archivo no disponible", exc.message, 404)
    return Response(data, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{invoice_files.file_name(shown, ext)}"',
        "Cache-Control": "private, no-store"})
