"""Sync endpoints: push a batch of changes, pull the feed after a cursor."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from shared.sync.protocol import MAX_PULL_LIMIT, DeviceState, PairingCodeOut, PushRequest, PushResponse
from sync_server.api.deps import Credential, Pool, Protocol, read_body
from sync_server.api.errors import ApiError, validation_error
from sync_server.db import tenant_tx
from sync_server.repositories import devices, sales
from sync_server.services import shops
from sync_server.services.credentials import DeviceCredential
from sync_server.sync.apply import apply_changes
from sync_server.sync.pull import pull_page_json

router = APIRouter(prefix="/v1/sync", tags=["sync"])


async def _authenticate(conn: asyncpg.Connection, cred: DeviceCredential) -> None:
    device = await devices.get(conn, cred.tenant_id, cred.device_id)
    if device is None or not cred.matches(device.token_hash):
        raise ApiError(401, "invalid_credential", "La credencial del dispositivo no es válida.")
    if device.revoked:
        raise ApiError(401, "device_revoked",
                       "Este dispositivo fue dado de baja. Vuelve a vincularlo con la tienda.")


@router.post("/push", response_model=PushResponse)
async def push(request: Request, pool: Pool, _: Protocol, cred: Credential) -> Response:
    async with tenant_tx(pool, cred.tenant_id) as conn:
        await _authenticate(conn, cred)
    body = await read_body(request)
    try:
        batch = PushRequest.model_validate_json(body)
    except ValidationError as exc:
        raise validation_error(exc) from None
    async with tenant_tx(pool, cred.tenant_id) as conn:
        applied = await apply_changes(conn, cred.tenant_id, cred.device_id, batch.changes)
    # Serialized here, once: FastAPI would validate the 500 results again on the way out.
    answer = PushResponse(results=applied.results, gaps=applied.gaps).model_dump_json()
    return Response(answer, media_type="application/json")


@router.get("/me", response_model=DeviceState)
async def me(pool: Pool, _: Protocol, cred: Credential) -> DeviceState:
    async with tenant_tx(pool, cred.tenant_id) as conn:
        await _authenticate(conn, cred)
        device = await devices.get(conn, cred.tenant_id, cred.device_id)
        assert device is not None
        last_folio = await sales.last_folio(conn, cred.tenant_id, device.device_id, device.code)
    return DeviceState(device_id=device.device_id, device_code=device.code,
                       last_device_seq=device.last_device_seq, last_folio=last_folio)


@router.post("/pairing-codes", response_model=PairingCodeOut, status_code=201)
async def pairing_code_from_device(pool: Pool, _: Protocol, cred: Credential) -> PairingCodeOut:
    """A paired till asks for a code to pair another one (the owner's API has the same)."""
    async with tenant_tx(pool, cred.tenant_id) as conn:
        await _authenticate(conn, cred)
    issued = await shops.create_pairing_code(pool, cred.tenant_id)
    return PairingCodeOut(code=issued.code, expires_at=issued.expires_at)


@router.get("/pull")
async def pull(
    pool: Pool, _: Protocol, cred: Credential,
    cursor: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = 500,
    include_own: bool = False,
) -> Response:
    """``include_own``: also this device's own changes (a device restored from a backup)."""
    async with tenant_tx(pool, cred.tenant_id) as conn:
        await _authenticate(conn, cred)
        body = await pull_page_json(conn, cred.tenant_id, cred.device_id, cursor, limit,
                                    include_own)
    return Response(body, media_type="application/json")
