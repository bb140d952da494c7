"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sync_server.api.deps import Pool
from sync_server.services.health import database_ready

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(pool: Pool) -> JSONResponse:
    if not await database_ready(pool):
        return JSONResponse(
            {"status": "unavailable", "code": "database_unavailable",
             "message": "La base de datos no responde."},
            status_code=503,
        )
    return JSONResponse({"status": "ready"})
