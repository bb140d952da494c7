"""Owner endpoints: sign up, log in, pairing codes, the shop's devices and their revocation."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints, model_validator

from shared.sync.protocol import PairingCodeOut
from sync_server.api.deps import Client, Pool, Protocol
from sync_server.api.errors import ApiError
from sync_server.config import Settings
from sync_server.services import accounts, shops

router = APIRouter(prefix="/v1", tags=["owners"])

# No control characters (a NUL is refused by PostgreSQL's text), as in the wire's texts.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
PRINTABLE_LINES = r"^[^\x00-\x09\x0b-\x1f\x7f]*$"  # the same, with line breaks
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200,
                                        pattern=PRINTABLE)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{10,15}$")]
# How strong it must be is a rule of the sign-up (services/passwords.py), told in Spanish.
Password = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=PRINTABLE)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SignUp(_Body):
    shop_name: Text
    owner_name: Text
    email: EmailStr | None = None
    phone: Phone | None = None
    password: Password

    @model_validator(mode="after")
    def _needs_a_login(self) -> SignUp:
        if not (self.email or self.phone):
            raise ValueError("email or phone is required")
        return self


# An email or a phone, as typed at a login or a password reset.
Login = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200,
                                         pattern=PRINTABLE)]


class LogIn(_Body):
    login: Login
    password: Password


class Session(BaseModel):
    tenant_id: uuid.UUID
    owner_id: uuid.UUID
    token: str


class DeviceOut(BaseModel):
    device_id: uuid.UUID
    name: str
    code: str
    revoked: bool


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]


async def owner(
    pool: Pool, settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> uuid.UUID:
    """The tenant of the owner's session token."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "auth_required", "Inicia sesión como dueño de la tienda.")
    return await accounts.owner_tenant(pool, settings, token.strip())


OwnerTenant = Annotated[uuid.UUID, Depends(owner)]


@router.post("/owners/signup", response_model=Session, status_code=201)
async def sign_up(
    body: SignUp, pool: Pool, settings: SettingsDep, client: Client, _: Protocol
) -> Session:
    s = await accounts.sign_up(pool, settings, shop_name=body.shop_name,
                               owner_name=body.owner_name, email=body.email, phone=body.phone,
                               password=body.password, client=client)
    return Session(tenant_id=s.tenant_id, owner_id=s.owner_id, token=s.token)


@router.post("/owners/login", response_model=Session)
async def log_in(
    body: LogIn, pool: Pool, settings: SettingsDep, client: Client, _: Protocol
) -> Session:
    s = await accounts.log_in(pool, settings, body.login, body.password, client)
    return Session(tenant_id=s.tenant_id, owner_id=s.owner_id, token=s.token)


@router.post("/pairing-codes", response_model=PairingCodeOut, status_code=201)
async def new_pairing_code(tenant_id: OwnerTenant, pool: Pool, _: Protocol) -> PairingCodeOut:
    code = await shops.create_pairing_code(pool, tenant_id)
    return PairingCodeOut(code=code.code, expires_at=code.expires_at)


@router.get("/devices", response_model=list[DeviceOut])
async def list_devices(tenant_id: OwnerTenant, pool: Pool, _: Protocol) -> list[DeviceOut]:
    rows = await shops.list_devices(pool, tenant_id)
    return [DeviceOut(device_id=r.device_id, name=r.name, code=r.code, revoked=r.revoked)
            for r in rows]


@router.post("/devices/{device_id}/revoke", response_model=DeviceOut)
async def revoke(device_id: uuid.UUID, tenant_id: OwnerTenant, pool: Pool, _: Protocol) -> DeviceOut:
    row = await shops.revoke_device(pool, tenant_id, device_id)
    return DeviceOut(device_id=row.device_id, name=row.name, code=row.code, revoked=row.revoked)
