"""WhatsApp: Meta's webhook (the subscription check, signed events), the shop's link on the shared
number, one-time codes for owners and for customers at the till, and whether a customer may be
messaged yet ("pendiente de confirmar" at the till)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from shared.sync.protocol import WhatsAppCodeOut, WhatsAppConsentOut
from sync_server.api.deps import Credential, Pool, Protocol
from sync_server.api.errors import ApiError
from sync_server.services import accounts, device_sync, whatsapp_inbox, whatsapp_setup
from sync_server.services.integrations import Integrations

router = APIRouter(prefix="/v1/whatsapp", tags=["whatsapp"])


@router.get("/webhook", response_class=PlainTextResponse)
async def verify(
    request: Request,
    mode: Annotated[str, Query(alias="hub.mode")] = "",
    token: Annotated[str, Query(alias="hub.verify_token")] = "",
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=200)] = "",
) -> PlainTextResponse:
    """Meta subscribes the callback: answer its challenge as plain text, only to our token."""
    if not whatsapp_inbox.verify_subscription(request.app.state.settings.whatsapp_verify_token,
                                              mode, token):
        raise ApiError(403, "invalid_verify_token", "El token de verificación no coincide.")
    return PlainTextResponse(challenge)


@router.post("/webhook")
async def receive(request: Request) -> Response:
    """Stored, then 200 at once: the work happens in the background (services/whatsapp_inbox)."""
    raw = await request.body()  # bounded by the BodyLimit middleware
    try:
        await whatsapp_inbox.receive(request.app.state.inbox_writer,
                                     request.app.state.settings.whatsapp_app_secret, raw,
                                     request.headers.get("X-Hub-Signature-256"))
    except whatsapp_inbox.InvalidSignature as exc:
        raise ApiError(400 if exc.code == "invalid_json" else 401, exc.code, exc.message) from None
    return Response(b'{"ok":true}', media_type="application/json")


CodeOut = WhatsAppCodeOut  # the till reads it with the same model (shared/sync/protocol)


class ShopLinkOut(BaseModel):
    code: str
    text: str
    link: str | None


class CustomerCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # not strict: a UUID arrives as JSON text
    customer_id: uuid.UUID


async def _owner(request: Request, pool: Pool, authorization: Annotated[str | None, Header()] = None
                 ) -> tuple[uuid.UUID, uuid.UUID]:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "auth_required", "Inicia sesión como dueño de la tienda.")
    return await accounts.owner_session(pool, request.app.state.settings, token.strip())


Owner = Annotated[tuple[uuid.UUID, uuid.UUID], Depends(_owner)]


@router.post("/owner-code", response_model=CodeOut, status_code=201)
async def owner_code(owner: Owner, pool: Pool, _: Protocol) -> CodeOut:
    """A one-time code the owner sends from their phone: it becomes the shop's owner phone."""
    made = await whatsapp_setup.owner_code(pool, *owner)
    return CodeOut(code=made.code, expires_at=made.expires_at, instructions=made.instructions)


@router.get("/shop-link", response_model=ShopLinkOut)
async def shop_link(request: Request, owner: Owner, pool: Pool, _: Protocol) -> ShopLinkOut:
    """The shop's code on the shared number and its wa.me link (for a poster or a QR)."""
    link = await whatsapp_setup.shop_link(pool, owner[0],
                                          request.app.state.settings.whatsapp_display_number)
    return ShopLinkOut(code=link.code, text=link.text, link=link.link)


@router.post("/customer-codes", response_model=CodeOut, status_code=201)
async def customer_code(body: CustomerCodeIn, cred: Credential, pool: Pool, _: Protocol) -> CodeOut:
    """A till asks for a code for the customer in front of it (shown on screen; the customer
    sends it from their WhatsApp to confirm it is theirs)."""
    await device_sync.check_device(pool, cred)
    made = await whatsapp_setup.customer_code(pool, cred.tenant_id, body.customer_id)
    return CodeOut(code=made.code, expires_at=made.expires_at, instructions=made.instructions)


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    hours: Annotated[str, Field(max_length=300, pattern=r"^[^\x00-\x1f\x7f]*$")] | None = None
    delivers: bool = False
    delivery_note: Annotated[str, Field(max_length=300, pattern=r"^[^\x00-\x1f\x7f]*$")] | None = None


@router.put("/profile", response_model=ProfileIn)
async def save_profile(body: ProfileIn, request: Request, owner: Owner, pool: Pool,
                       _: Protocol) -> ProfileIn:
    """What the bot answers about the shop's hours and deliveries."""
    integrations = Integrations.from_settings(pool, request.app.state.settings)
    await whatsapp_setup.save_profile(integrations, owner[0], body.hours, body.delivers,
                                      body.delivery_note)
    return body


@router.get("/customers/{customer_id}/consent", response_model=WhatsAppConsentOut)
async def customer_consent(customer_id: uuid.UUID, cred: Credential, pool: Pool,
                           _: Protocol) -> WhatsAppConsentOut:
    """Whether statements and order updates reach this customer yet: the till shows it beside
    the customer, and a code (customer-codes) confirms them."""
    await device_sync.check_device(pool, cred)
    state, message = await whatsapp_setup.customer_consent(pool, cred.tenant_id, customer_id)
    return WhatsAppConsentOut(state=state, message=message)
