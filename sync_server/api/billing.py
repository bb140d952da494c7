"""Billing endpoints: Stripe's webhook, the plans on offer, Checkout and the Customer Portal."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from shared.account import CheckoutOut, Offer, OfferedPlan, PackageOut, PlanChangeOut, PortalOut
from sync_server.api.account import BillingDep, Owner
from sync_server.api.owners import PRINTABLE
from sync_server.services import billing_account

router = APIRouter(prefix="/v1/billing", tags=["billing"])


@router.post("/stripe/webhook", include_in_schema=False)
async def stripe_webhook(
    request: Request, billing: BillingDep,
    stripe_signature: Annotated[str | None, Header()] = None,
) -> dict[str, bool]:
    """Verified by the SDK within its tolerance, stored by event id, answered at once; the
    billing worker handles it (once). A bad signature is a 400 and stores nothing."""
    payload = await request.body()  # bounded by the BodyLimit middleware
    new = await billing_account.receive_stripe_event(billing, payload, stripe_signature)
    if new:
        request.app.state.billing_worker.wake()
    return {"received": True}


@router.get("/plans", response_model=Offer)
async def plans(billing: BillingDep) -> Offer:
    offer = await billing_account.offer(billing)
    return Offer(plans=[OfferedPlan(**asdict(p), description=p.describe()) for p in offer.plans],
                 token_packages=[PackageOut(**asdict(k)) for k in offer.packages],
                 payments_enabled=billing.stripe is not None, demo=billing.settings.billing_demo)


class CheckoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    kind: Literal["subscription", "prepaid", "tokens"]
    plan: Annotated[str, Field(max_length=40, pattern=PRINTABLE)] | None = None
    months: Annotated[int, Field(ge=1, le=12)] | None = None
    package: Annotated[str, Field(max_length=40, pattern=PRINTABLE)] | None = None


@router.post("/checkout", response_model=CheckoutOut, status_code=201)
async def checkout(body: CheckoutIn, who: Owner, billing: BillingDep) -> CheckoutOut:
    started = await billing_account.start_checkout(billing, who.tenant_id, body.kind, plan=body.plan,
                                                   months=body.months, package=body.package)
    return CheckoutOut(session_id=started.session_id, url=started.url, amount=started.amount)


class PlanChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    plan: Annotated[str, Field(max_length=40, pattern=PRINTABLE)]


@router.post("/plan", response_model=PlanChangeOut, status_code=202)
async def change_plan(body: PlanChangeIn, who: Owner, billing: BillingDep) -> PlanChangeOut:
    """The live subscription moves to ``plan`` (the state follows Stripe's event)."""
    name = await billing_account.change_plan(billing, who.tenant_id, body.plan)
    return PlanChangeOut(plan=body.plan, message=f"Listo: tu suscripción cambia al plan {name}. "
                         "Stripe cobra o abona la diferencia en tu próxima factura.")


@router.post("/portal", response_model=PortalOut)
async def portal(who: Owner, billing: BillingDep) -> PortalOut:
    return PortalOut(url=await billing_account.portal(billing, who.tenant_id))


@router.get("/done", response_class=HTMLResponse, include_in_schema=False)
async def done(resultado: str = "") -> str:
    """Where Checkout and the portal send the owner back: the plan changes when Stripe's
    event arrives (seconds), not because this page was opened."""
    text = {"pagado": "Recibimos tu pago. Tu plan se actualiza en unos segundos.",
            "cancelado": "No se hizo ningún cargo."}.get(resultado, "Listo.")
    return (f"<html><body style='font-family:sans-serif'><h1>MiChangarrito</h1><p>{text}</p>"
            "<p>Ya puedes cerrar esta ventana y volver a la caja.</p></body></html>")
