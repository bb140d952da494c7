"""Invoicing endpoints: the owner's set-up, list, cancellations, globals and accountant's ZIP
(owner session), and the counter's "facturar" from a sale (device credential). docs/cfdi.md."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from shared.fiscal import Receptor
from shared.sync.bounds import EARLIEST, LATEST
from shared.sync.invoices import (
    CancelRequest,
    CfdiSetup,
    GlobalRequest,
    InvoiceMonth,
    InvoiceRequest,
    InvoiceSummary,
    PendingGlobal,
    ReceptorData,
    RemakeOutcome,
    TillSync,
)
from sync_server.api.deps import Credential, Pool, Protocol
from sync_server.api.errors import ApiError, validation_error
from sync_server.api.owners import OwnerTenant
from sync_server.services import (
    cancellation,
    credit_notes,
    device_sync,
    fiscal,
    global_invoice,
    invoice_files,
    invoicing,
)
from sync_server.services.fiscal import CfdiContext, Periodicity
from sync_server.services.global_invoice import GlobalOutcome
from sync_server.services.invoice_records import InvoiceView

router = APIRouter(prefix="/v1", tags=["cfdi"])
M = TypeVar("M", bound=BaseModel)
Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


def _ctx(request: Request) -> CfdiContext:
    ctx: CfdiContext = request.app.state.cfdi
    return ctx


Ctx = Annotated[CfdiContext, Depends(_ctx)]


class _Body(BaseModel):
    # Not strict: JSON carries ids and dates as strings; unknown fields are still refused.
    model_config = ConfigDict(extra="forbid")


class ProfileIn(_Body):
    rfc: Code
    name: Text
    regime: Code
    postal_code: Code
    series: Code = "F"


class CsdIn(_Body):
    certificate: Annotated[str, StringConstraints(max_length=20_000)]  # base64 of the .cer
    key: Annotated[str, StringConstraints(max_length=20_000)]  # base64 of the .key
    password: Annotated[str, StringConstraints(max_length=200)]


class PacIn(_Body):
    provider: Literal["finkok"] = "finkok"
    production: bool = False
    username: Annotated[str, StringConstraints(max_length=200)] | None = None
    password: Annotated[str, StringConstraints(max_length=200)] | None = None
    host: Annotated[str, StringConstraints(max_length=200)] | None = None


class PreferencesIn(_Body):
    periodicity: Periodicity = Periodicity.MONTHLY
    window_days: Annotated[int, Field(ge=1, le=365)] | None = None
    card_forma: Literal["04", "28"] = "04"


def _out(v: InvoiceView) -> InvoiceSummary:
    return InvoiceSummary(invoice_id=v.invoice_id, kind=v.kind, series=v.series, folio=v.folio,
                      status=v.status, cancel_status=v.cancel_status, uuid=v.uuid,
                      receptor_rfc=v.receptor_rfc, receptor_name=v.receptor_name, total=v.total,
                      iva=v.iva, ieps=v.ieps, issued_at=v.issued_at, message=v.message,
                      error=v.error)


def _pending(g: GlobalOutcome) -> PendingGlobal:
    return PendingGlobal(period_start=g.period.start, period_end=g.period.end,
                         label=g.period.label(), state=g.state, sales=g.sales, deadline=g.deadline,
                         missing_tills=[TillSync(device_id=t.device_id, name=t.name,
                                                 last_pull_at=t.last_pull_at) for t in g.missing])


async def _body(request: Request, model: type[M]) -> M:
    """A JSON body read whole (bounded) and parsed as the till sends it (strict wire model)."""
    raw = await request.body()  # bounded by the BodyLimit middleware
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise validation_error(exc) from None


def _month(month: str) -> tuple[int, int]:
    year, mon = (int(x) for x in month.split("-"))
    if not 1 <= mon <= 12:
        raise ApiError(422, "invalid_payload", "El mes va de 01 a 12.")
    if not EARLIEST.year <= year < LATEST.year:  # the wire's years (year 0 is no date at all)
        raise ApiError(422, "invalid_payload",
                       f"El año va de {EARLIEST.year} a {LATEST.year - 1}.")
    return year, mon


async def _list(ctx: CfdiContext, tenant_id: uuid.UUID, month: str) -> InvoiceMonth:
    got = await invoice_files.list_invoices(ctx, tenant_id, *_month(month))
    return InvoiceMonth(issued=[_out(v) for v in got.issued],
                        cancelled=[_out(v) for v in got.cancelled],
                        errors=[_out(v) for v in got.errors],
                        pending_globals=[_pending(g) for g in got.pending_globals],
                        warnings=(await fiscal.setup(ctx, tenant_id)).warnings)


def _receptor(r: ReceptorData, ctx: CfdiContext) -> Receptor:
    return fiscal.checked_receptor(ctx, r.rfc, r.name, r.postal_code, r.regime, r.uso)


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "invalid_payload", f"El {what} debe ir en base64.") from None


async def _setup(ctx: CfdiContext, tenant_id: uuid.UUID) -> CfdiSetup:
    s = await fiscal.setup(ctx, tenant_id)
    p = s.profile
    return CfdiSetup(
        profile={"rfc": p.rfc, "name": p.name, "regime": p.regime, "postal_code": p.postal_code,
                 "series": p.series} if p else None,
        csd=s.csd.as_settings() if s.csd else None, warnings=s.warnings,
        pac={"settings": {k: v for k, v in s.pac.settings.items() if k != "host"},
             "secrets": s.pac.secrets}
        if s.pac else None,
        preferences=s.preferences.as_settings())


@router.get("/cfdi/setup", response_model=CfdiSetup)
async def get_setup(tenant_id: OwnerTenant, ctx: Ctx, _: Protocol) -> CfdiSetup:
    return await _setup(ctx, tenant_id)


@router.put("/cfdi/profile", response_model=CfdiSetup)
async def put_profile(body: ProfileIn, tenant_id: OwnerTenant, ctx: Ctx, _: Protocol,
                request: Request) -> CfdiSetup:
    await fiscal.save_profile(ctx, tenant_id, rfc=body.rfc, name=body.name, regime=body.regime,
                              postal_code=body.postal_code, series=body.series)
    request.app.state.invoice_worker.schedule_soon()  # a refusal's wait is lifted
    return await _setup(ctx, tenant_id)


@router.put("/cfdi/csd", response_model=CfdiSetup)
async def put_csd(body: CsdIn, tenant_id: OwnerTenant, ctx: Ctx, _: Protocol,
                request: Request) -> CfdiSetup:
    await fiscal.save_csd(ctx, tenant_id, _b64(body.certificate, "certificado"),
                          _b64(body.key, "archivo de llave"), body.password)
    request.app.state.invoice_worker.schedule_soon()  # a refusal's wait is lifted
    return await _setup(ctx, tenant_id)


@router.put("/cfdi/pac", response_model=CfdiSetup)
async def put_pac(body: PacIn, tenant_id: OwnerTenant, ctx: Ctx, _: Protocol,
                request: Request) -> CfdiSetup:
    if body.host and not ctx.settings.cfdi_allow_pac_host:
        raise ApiError(422, "invalid_payload", "Este servidor no admite otra dirección de PAC.")
    await fiscal.save_pac(ctx, tenant_id, username=body.username, password=body.password,
                          production=body.production, host=body.host)
    request.app.state.invoice_worker.schedule_soon()  # a refusal's wait is lifted
    return await _setup(ctx, tenant_id)


@router.put("/cfdi/preferences", response_model=CfdiSetup)
async def put_preferences(body: PreferencesIn, tenant_id: OwnerTenant, ctx: Ctx,
                          _: Protocol) -> CfdiSetup:
    await fiscal.save_preferences(ctx, tenant_id, fiscal.Preferences(
        body.periodicity, body.window_days, body.card_forma))
    return await _setup(ctx, tenant_id)


@router.get("/cfdi/invoices", response_model=InvoiceMonth)
async def list_invoices(tenant_id: OwnerTenant, ctx: Ctx, _: Protocol, month: Month) -> InvoiceMonth:
    return await _list(ctx, tenant_id, month)


@router.get("/cfdi/invoices/{invoice_id}.xml")
async def invoice_xml(invoice_id: uuid.UUID, tenant_id: OwnerTenant, ctx: Ctx,
                      _: Protocol) -> Response:
    shown, xml = await invoice_files.stamped_xml(ctx, tenant_id, invoice_id)
    return _file(xml, "application/xml", invoice_files.file_name(shown, "xml"))


@router.get("/cfdi/invoices/{invoice_id}.pdf")
async def invoice_pdf(invoice_id: uuid.UUID, tenant_id: OwnerTenant, ctx: Ctx,
                      _: Protocol) -> Response:
    shown, data = await invoice_files.pdf(ctx, tenant_id, invoice_id)
    return _file(data, "application/pdf", invoice_files.file_name(shown, "pdf"))


@router.post("/cfdi/invoices/{invoice_id}/cancel", response_model=InvoiceSummary)
async def cancel(invoice_id: uuid.UUID, tenant_id: OwnerTenant, ctx: Ctx, _: Protocol,
                 request: Request) -> InvoiceSummary:
    return await _cancel(ctx, tenant_id, invoice_id, request)


@router.post("/cfdi/invoices/{invoice_id}/note-again", status_code=204)
async def note_again(invoice_id: uuid.UUID, tenant_id: OwnerTenant, ctx: Ctx, _: Protocol,
                     request: Request) -> Response:
    """A credit note the owner cancelled: make a new one for its returns."""
    return await _note_again(ctx, tenant_id, invoice_id, request)


@router.post("/cfdi/remake", response_model=RemakeOutcome)
async def remake(tenant_id: OwnerTenant, _: Protocol, request: Request) -> RemakeOutcome:
    """ "Reintentar ahora": what the PAC refused is made again at once, not after its wait."""
    return RemakeOutcome(made=await request.app.state.invoice_worker.remake_now(tenant_id))


async def _cancel(ctx: CfdiContext, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
                  request: Request) -> InvoiceSummary:
    body = await _body(request, CancelRequest)
    replacement = _receptor(body.replacement, ctx) if body.replacement else None
    got = await cancellation.cancel_invoice(ctx, tenant_id, invoice_id, body.motive, replacement)
    request.app.state.invoice_worker.wake()
    return _out(got)


async def _note_again(ctx: CfdiContext, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
                      request: Request) -> Response:
    await credit_notes.ask_again(ctx, tenant_id, invoice_id)
    request.app.state.invoice_worker.wake()
    return Response(status_code=204)


@router.post("/cfdi/globals", response_model=PendingGlobal)
async def issue_global(tenant_id: OwnerTenant, ctx: Ctx, _: Protocol,
                       request: Request) -> PendingGlobal:
    """Issue a closed period's global now, not waiting for the tills the owner names."""
    body = await _body(request, GlobalRequest)
    got = await global_invoice.issue_now(ctx, tenant_id, body.period_start, body.accept_missing)
    request.app.state.invoice_worker.wake()
    return _pending(got)


@router.get("/cfdi/accountant.zip")
async def accountant_zip(tenant_id: OwnerTenant, ctx: Ctx, _: Protocol, month: Month) -> Response:
    data = await invoice_files.month_zip(ctx, tenant_id, *_month(month))
    return _file(data, "application/zip", f"facturas-{month}.zip")


# ---- the till (device credential) ----------------------------------------------------------


@router.post("/invoices", response_model=InvoiceSummary, status_code=201)
async def counter_invoice(cred: Credential, pool: Pool, ctx: Ctx, _: Protocol,
                          request: Request) -> InvoiceSummary:
    """The till's "facturar" from its sale history: the same rules as the customer's page."""
    await device_sync.check_device(pool, cred)
    body = await _body(request, InvoiceRequest)
    got = await invoicing.invoice_ticket(ctx, cred.tenant_id, body.sale_id,
                                         _receptor(body.receptor, ctx), requested_by="counter",
                                         card_forma=body.card_forma, device_id=cred.device_id,
                                         wait_s=ctx.settings.cfdi_stamp_wait_s)
    return _out(got)


@router.get("/invoices", response_model=InvoiceMonth)
async def till_invoices(cred: Credential, pool: Pool, ctx: Ctx, _: Protocol,
                        month: Month) -> InvoiceMonth:
    """The back room's Facturas: the month's invoices, errors and globals pending."""
    await device_sync.check_device(pool, cred)
    return await _list(ctx, cred.tenant_id, month)


@router.post("/invoices/globals", response_model=PendingGlobal)
async def till_global(cred: Credential, pool: Pool, ctx: Ctx, _: Protocol,
                      request: Request) -> PendingGlobal:
    """The back room issues a closed period's global now, not waiting for the tills named."""
    await device_sync.check_device(pool, cred)
    body = await _body(request, GlobalRequest)
    got = await global_invoice.issue_now(ctx, cred.tenant_id, body.period_start,
                                         body.accept_missing)
    request.app.state.invoice_worker.wake()
    return _pending(got)


# Cancelling and a note again are the owner's acts: the back room sends them with the owner's
# session (/v1/cfdi/...), never with the till's credential (a stolen one must cancel nothing).


@router.post("/invoices/remake", response_model=RemakeOutcome)
async def till_remake(cred: Credential, pool: Pool, _: Protocol,
                      request: Request) -> RemakeOutcome:
    """ "Reintentar ahora" from the back room: harmless to the shop's CFDI (it makes what the
    automatic pass would), once a minute per shop as from the owner's session."""
    await device_sync.check_device(pool, cred)
    return RemakeOutcome(made=await request.app.state.invoice_worker.remake_now(cred.tenant_id))


def _file(data: bytes, media: str, name: str) -> Response:
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
