"""Customers paying the shop: payment links an owner asks for, and the notifications of the
shop's own provider (MercadoPago, Stripe, Clip) that turn a payment into an abono."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from sync_server.api.account import BillingDep, Owner
from sync_server.services import pay_links

router = APIRouter(prefix="/v1", tags=["pay"])


@router.post("/pay/webhooks/{provider}/{tenant_id}/{token}", include_in_schema=False)
async def provider_webhook(provider: str, tenant_id: uuid.UUID, token: str, request: Request,
                           billing: BillingDep) -> dict[str, bool]:
    """Verified by the provider's own scheme and stored by the key its retries repeat (a bad
    one stores nothing), answered at once; the billing worker handles it once."""
    body = await request.body()  # bounded by the BodyLimit middleware
    new = await pay_links.receive_notification(billing, provider, tenant_id, token, body,
                                               dict(request.headers), dict(request.query_params))
    if new:
        request.app.state.billing_worker.wake()
    return {"received": True}


class PayLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # not strict: the id arrives as a JSON string

    customer_id: uuid.UUID
    amount: Annotated[int, Field(gt=0, le=5_000_000)]  # centavos


class PayLinkOut(BaseModel):
    link_id: uuid.UUID
    provider: str
    url: str
    amount: int
    methods: list[str]
    message: str  # the line a message to the customer carries


@router.post("/account/pay-links", response_model=PayLinkOut, status_code=201)
async def new_pay_link(body: PayLinkIn, who: Owner, billing: BillingDep) -> PayLinkOut:
    link = await pay_links.pay_link_for(billing, who.tenant_id, body.customer_id, body.amount)
    return PayLinkOut(link_id=link.link_id, provider=link.provider, url=link.url,
                      amount=link.amount, methods=link.methods, message=link.line())
