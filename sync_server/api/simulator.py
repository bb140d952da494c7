"""The demo's WhatsApp simulator (only when MCH_WHATSAPP_SIMULATOR is on): a chat page that plays
the customer, and the Graph API endpoints the server's own sender posts its answers to."""

from __future__ import annotations

from dataclasses import asdict
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from sync_server.services.simulator import Simulator

router = APIRouter(prefix="/simulador", tags=["simulador"], include_in_schema=False)


class Said(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, Field(min_length=10, max_length=20)]
    text: Annotated[str, Field(max_length=1000)] = ""
    choice_id: Annotated[str, Field(max_length=200)] | None = None
    choice_title: Annotated[str, Field(max_length=100)] | None = None
    name: Annotated[str, Field(max_length=60)] = "Cliente"


def _simulator(request: Request) -> Simulator:
    simulator: Simulator = request.app.state.simulator
    return simulator


@router.get("", response_class=HTMLResponse)
async def page() -> HTMLResponse:
    return HTMLResponse(resources.files("sync_server.api").joinpath("simulator.html").read_text(
        encoding="utf-8"))


@router.post("/messages", status_code=202)
async def customer_says(body: Said, request: Request) -> dict[str, bool]:
    choice = (body.choice_id, body.choice_title or body.choice_id) if body.choice_id else None
    await _simulator(request).customer_says(request.app.state.inbox_writer, body.phone, body.text,
                                            choice=choice, name=body.name)
    return {"ok": True}


@router.get("/messages")
async def transcript(request: Request, phone: Annotated[str, Query(max_length=20)],
                     after: int = 0) -> list[dict[str, Any]]:
    return [asdict(line) for line in _simulator(request).transcript(phone, after)]


@router.post("/graph/{version}/{number}/messages")
async def graph_messages(request: Request) -> dict[str, Any]:
    return _simulator(request).graph_message(await request.json())


@router.post("/graph/{version}/{number}/media")
async def graph_media() -> dict[str, str]:
    return {"id": "1000000000000001"}
