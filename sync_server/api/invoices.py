"""Invoicing endpoints: the owner's set-up, list, cancellations, globals and accountant's ZIP
(owner session), and the counter's "facturar" from a sale (device credential). docs/cfdi.md."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.fiscal import Receptor
from sync_server.api.deps import Credential, Pool, Protocol
from sync_server.api.errors import ApiError
from sync_server.api.owners import OwnerTenant
from sync_server.services import (
    cancellation,
    device_sync,
    fiscal,
    global_invoice,
    invoice_files,
    invoicing,
)
from sync_server.services.fiscal import CfdiContext, Periodicity
from sync_server.services.invoice_records import InvoiceView

router = APIRouter(prefix="/v1", tags=["cfdi"])
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


class ReceptorIn(_Body):
    rfc: Code
    name: Text
    postal_code: Code
    regime: Code
    uso: Code


class CancelIn(_Body):
    motive: Literal["01", "02", "03"]
    replacement: ReceptorIn | None = None  # motive 01: the corrected data


class GlobalIn(_Body):
    period_start: date
    accept_missing: list[uuid.UUID] = []


class CounterInvoiceIn(_Body):
    sale_id: uuid.UUID
    receptor: ReceptorIn
    card_forma: Literal["04", "28"] | None = None


class InvoiceOut(BaseModel):
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
    message: str
    error: str | None


class TillOut(BaseModel):
    device_id: uuid.UUID
    name: str
    last_pull_at: datetime | None


class PendingGlobalOut(BaseModel):
    period_start: date
    period_end: date
    label: str
    state: str
    sales: int
    deadline: datetime | None
    missing_tills: list[TillOut]


class InvoiceListOut(BaseModel):
    issued: list[InvoiceOut]
    cancelled: list[InvoiceOut]
    errors: list[InvoiceOut]
    pending_globals: list[PendingGlobalOut]


class SetupOut(BaseModel):
    profile: dict[str, str] | None
    csd: dict[str, str] | None
    warnings: list[str]
    pac: dict[str, object] | None
    preferences: dict[str, object]


def _out(v: InvoiceView) -> InvoiceOut:
    return InvoiceOut(invoice_id=v.invoice_id, kind=v.kind, series=v.series, folio=v.folio,
                      status=v.status, cancel_status=v.cancel_status, uuid=v.uuid,
                      receptor_rfc=v.receptor_rfc, receptor_name=v.receptor_name, total=v.total,
                      iva=v.iva, ieps=v.ieps, issued_at=v.issued_at, message=v.message,
                      error=v.error)


def _receptor(r: ReceptorIn, ctx: CfdiContext) -> Receptor:
    return fiscal.checked_receptor(ctx, r.rfc, r.name, r.postal_code, r.regime, r.uso)


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "invalid_payload", f"El {what} debe ir en base64.") from None


async def _setup(ctx: CfdiContext, tenant_id: uuid.UUID) -> SetupOut:
    s = await fiscal.setup(ctx, tenant_id)
    p = s.profile
    return SetupOut(
        profile={"rfc": p.rfc, "name": p.name, "regime": p.regime, "postal_code": p.postal_code,
                 "series": p.series} if p else None,
        csd=s.csd.as_settings() if s.csd else None, warnings=s.warnings,
        pac={"settings": {k: v for k, v in s.pac.settings.items() if k != "host"},
             "secrets": s.pac.secrets} if s.pac else None,
        preferences=s.preferences.as_settings())


@router.get("/cfdi/setup", response_model=SetupOut)
async def get_setup(tenant_id: OwnerTenant, ctx: Ctx, _: Protocol) -> SetupOut:
    return await _setup(ctx, tenant_id)


@router.put("/cfdi/profile", response_model=SetupOut)
async def put_profile(body: ProfileIn, tenant_id: OwnerTenant, ctx: Ctx, _: Protocol) -> SetupOut:
    await fiscal.save_profile(ctx, tenant_id, rfc=body.rfc, name=body.name, regime=body.regime,
                              postal_code=body.postal_code, series=body.series)
    return await _setup(ctx, tenant_id)


@router.put("/cfdi/csd", response_model=SetupOut)
async def put_csd(body: CsdIn, tenant_id: OwnerTenant, ctx: Ctx, _: Protocol) -> SetupOut:
    await fiscal.save_csd(ctx, tenant_id, _b64(body.certificate, "certificado"),
                          _b64(body.key, "archivo de llave"), body.password)
    return await _setup(ctx, tenant_id)


@router.put("/cfdi/pac", response_model=SetupOut)
async def put_pac(body: PacIn, tenant_id: OwnerTenant, ctx: Ctx, _: Protocol) -> SetupOut:
    if body.host and not ctx.settings.cfdi_allow_pac_host:
        raise ApiError(422, "invalid_payload", "Este servidor no admite otra dirección de PAC.")
    await fiscal.save_pac(ctx, tenant_id, username=body.username, password=body.password,
                          production=body.production, host=body.host)
    return await _setup(ctx, tenant_id)


@router.put("/cfdi/preferences", response_model=SetupOut)
async def put_preferences(body: PreferencesIn, tenant_id: OwnerTenant, ctx: Ctx,
                          _: Protocol) -> SetupOut:
    await fiscal.save_preferences(ctx, tenant_id, fiscal.Preferences(
        body.periodicity, body.window_days, body.card_forma))
    return await _setup(ctx, tenant_id)


@router.get("/cfdi/invoices", response_model=InvoiceListOut)
async def list_invoices(tenant_id: OwnerTenant, ctx: Ctx, _: Protocol,
                        month: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")]
                        ) -> InvoiceListOut:
    year, mon = (int(x) for x in month.split("-"))
    if not 1 <= mon <= 12:
        raise ApiError(422, "invalid_payload", "El mes va de 01 a 12.")
    got = await invoice_files.list_invoices(ctx, tenant_id, year, mon)
    return InvoiceListOut(
        issued=[_out(v) for v in got.issued], cancelled=[_out(v) for v in got.cancelled],
        errors=[_out(v) for v in got.errors],
        pending_globals=[PendingGlobalOut(
            period_start=g.period.start, period_end=g.period.end, label=g.period.label(),
            state=g.state, sales=g.sales, deadline=g.deadline,
            missing_tills=[TillOut(device_id=t.device_id, name=t.name, last_pull_at=t.last_pull_at)
                           for t in g.missing]) for g in got.pending_globals])


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


@router.post("/cfdi/invoices/{invoice_id}/cancel", response_model=InvoiceOut)
async def cancel(invoice_id: uuid.UUID, body: CancelIn, tenant_id: OwnerTenant, ctx: Ctx,
                 _: Protocol, request: Request) -> InvoiceOut:
    replacement = _receptor(body.replacement, ctx) if body.replacement else None
    got = await cancellation.cancel_invoice(ctx, tenant_id, invoice_id, body.motive, replacement)
    request.app.state.invoice_worker.wake()
    return _out(got)


@router.post("/cfdi/globals", response_model=PendingGlobalOut)
async def issue_global(body: GlobalIn, tenant_id: OwnerTenant, ctx: Ctx, _: Protocol,
                       request: Request) -> PendingGlobalOut:
    """Issue a closed period's global now, not waiting for the tills the owner names."""
    got = await global_invoice.issue_now(ctx, tenant_id, body.period_start, body.accept_missing)
    request.app.state.invoice_worker.wake()
    period = got.period
    return PendingGlobalOut(period_start=period.start, period_end=period.end,
                            label=period.label(), state=got.state, sales=got.sales,
                            deadline=got.deadline,
                            missing_tills=[TillOut(device_id=t.device_id, name=t.name,
                                                   last_pull_at=t.last_pull_at) for t in got.missing])


@router.get("/cfdi/accountant.zip")
async def accountant_zip(tenant_id: OwnerTenant, ctx: Ctx, _: Protocol,
                         month: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")]
                         ) -> Response:
    year, mon = (int(x) for x in month.split("-"))
    if not 1 <= mon <= 12:
        raise ApiError(422, "invalid_payload", "El mes va de 01 a 12.")
    data = await invoice_files.month_zip(ctx, tenant_id, year, mon)
    return _file(data, "application/zip", f"facturas-{month}.zip")


@router.post("/invoices", response_model=InvoiceOut, status_code=201)
async def counter_invoice(body: CounterInvoiceIn, cred: Credential, pool: Pool, ctx: Ctx,
                          _: Protocol) -> InvoiceOut:
    """The till's "facturar" from its sale history: the same rules as the customer's page."""
    await device_sync.check_device(pool, cred)
    got = await invoicing.invoice_ticket(ctx, cred.tenant_id, body.sale_id,
                                         _receptor(body.receptor, ctx), requested_by="counter",
                                         card_forma=body.card_forma, device_id=cred.device_id,
                                         wait_s=ctx.settings.cfdi_stamp_wait_s)
    return _out(got)


def _file(data: bytes, media: str, name: str) -> Response:
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
