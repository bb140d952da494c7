"""Device pairing: a new device trades a one-time code for its credential."""

from __future__ import annotations

from fastapi import APIRouter, Request

from shared.sync.protocol import PairRequest, PairResponse
from sync_server.api.deps import Client, Pool, Protocol
from sync_server.services import shops

router = APIRouter(prefix="/v1/devices", tags=["devices"])


@router.post("/pair", response_model=PairResponse)
async def pair(
    body: PairRequest, request: Request, pool: Pool, client: Client, _: Protocol
) -> PairResponse:
    return await shops.pair_device(pool, request.app.state.settings, body.code,
                                   body.device_name, client, body.continues_after)
