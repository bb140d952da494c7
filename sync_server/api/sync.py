"""Sync endpoints: push a batch of changes, pull the feed after a cursor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import ValidationError

from shared.sync.protocol import (
    MAX_PULL_LIMIT,
    SKIPPED_HEADER,
    DeviceState,
    PairingCodeOut,
    PushRequest,
    PushResponse,
)
from sync_server.api.deps import Credential, Pool, Protocol
from sync_server.api.errors import validation_error
from sync_server.services import device_sync
from sync_server.services.notices import NoticeHub

router = APIRouter(prefix="/v1/sync", tags=["sync"])


@router.post("/push", response_model=PushResponse)
async def push(request: Request, pool: Pool, version: Protocol, cred: Credential) -> Response:
    await device_sync.check_device(pool, cred)  # before a byte of the body is read
    body = await request.body()  # bounded by the BodyLimit middleware
    try:
        batch = PushRequest.model_validate_json(body)
    except ValidationError as exc:
        raise validation_error(exc) from None
    applied = await device_sync.push(pool, cred, batch.changes)
    # Serialized here, once: FastAPI would validate the 500 results again on the way out.
    # ``current`` only where there is one (version 3 never: its strict models refuse the key).
    bare = {i: {"current"} for i, r in enumerate(applied.results)
            if r.current is None or version < 4}
    answer = PushResponse(results=applied.results, gaps=applied.gaps).model_dump_json(
        exclude={"results": bare})
    return Response(answer, media_type="application/json")


@router.get("/me", response_model=DeviceState)
async def me(pool: Pool, _: Protocol, cred: Credential) -> DeviceState:
    return await device_sync.device_state(pool, cred)


@router.post("/pairing-codes", response_model=PairingCodeOut, status_code=201)
async def pairing_code_from_device(pool: Pool, _: Protocol, cred: Credential) -> PairingCodeOut:
    """A paired till asks for a code to pair another one (the owner's API has the same)."""
    issued = await device_sync.pairing_code(pool, cred)
    return PairingCodeOut(code=issued.code, expires_at=issued.expires_at)


@router.get("/pull")
async def pull(
    pool: Pool, version: Protocol, cred: Credential,
    cursor: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = 500,
    include_own: bool = False,
) -> Response:
    """``include_own``: also this device's own changes (a device restored from a backup)."""
    if version < 4:
        page = await device_sync.pull_v3(pool, cred, cursor, limit, include_own)
        headers = {SKIPPED_HEADER: page.skipped_header()} if page.skipped else {}
        return Response(page.body, media_type="application/json", headers=headers)
    body = await device_sync.pull(pool, cred, cursor, limit, include_own)
    return Response(body, media_type="application/json")


@router.get("/notices")
async def notices(request: Request, pool: Pool, _: Protocol, cred: Credential,
                  cursor: Annotated[int, Query(ge=0)] = 0) -> StreamingResponse:
    """Server-sent events: ``event: feed`` + ``{"head": H}`` as soon as the shop's feed passes
    ``cursor``; the till then pulls. Comment lines keep the stream alive (see the protocol)."""
    await device_sync.check_device(pool, cred)
    hub: NoticeHub = request.app.state.notices
    settings = request.app.state.settings
    return StreamingResponse(
        hub.stream(pool, cred, cursor, heartbeat_s=settings.notice_heartbeat_s,
                   max_s=settings.notice_stream_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
