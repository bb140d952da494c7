"""Owner endpoints for the MCP keys of their shop: make one (its token shown once), list,
let one write or not, revoke; and the audit of the tools' calls."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from sync_server.api.deps import Pool, Protocol
from sync_server.api.owners import PRINTABLE, OwnerTenant
from sync_server.services import mcp_keys, tool_audit
from sync_server.services.mcp_keys import KeyRole, McpKey

router = APIRouter(prefix="/v1/owner", tags=["mcp"])


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: Annotated[str, Field(min_length=1, max_length=80, pattern=PRINTABLE)]
    can_write: bool = False
    role: KeyRole = "owner"


class KeyWrites(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    can_write: bool


class KeyOut(BaseModel):
    key_id: uuid.UUID
    name: str
    hint: str
    role: str
    can_write: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class CreatedKey(KeyOut):
    token: str = Field(description="Shown this once: the server keeps only a hash of it.")


def _out(k: McpKey) -> KeyOut:
    return KeyOut(key_id=k.key_id, name=k.name, hint=k.hint, role=k.role, can_write=k.can_write,
                  created_at=k.created_at, last_used_at=k.last_used_at, revoked=k.revoked)


@router.post("/mcp-keys", response_model=CreatedKey, status_code=201)
async def create_key(body: NewKey, tenant_id: OwnerTenant, pool: Pool, _: Protocol) -> CreatedKey:
    key, token = await mcp_keys.create(pool, tenant_id, body.name, can_write=body.can_write,
                                       role=body.role)
    return CreatedKey(**_out(key).model_dump(), token=token)


@router.get("/mcp-keys", response_model=list[KeyOut])
async def list_keys(tenant_id: OwnerTenant, pool: Pool, _: Protocol) -> list[KeyOut]:
    return [_out(k) for k in await mcp_keys.list_keys(pool, tenant_id)]


@router.patch("/mcp-keys/{key_id}", response_model=KeyOut)
async def set_writes(key_id: uuid.UUID, body: KeyWrites, tenant_id: OwnerTenant, pool: Pool,
                     _: Protocol) -> KeyOut:
    return _out(await mcp_keys.set_writes(pool, tenant_id, key_id, body.can_write))


@router.post("/mcp-keys/{key_id}/revoke", response_model=KeyOut)
async def revoke_key(key_id: uuid.UUID, tenant_id: OwnerTenant, pool: Pool, _: Protocol) -> KeyOut:
    return _out(await mcp_keys.revoke(pool, tenant_id, key_id))


class AuditOut(BaseModel):
    at: datetime
    channel: str
    actor: str
    role: str
    tool: str
    write: bool
    outcome: str
    code: str | None


@router.get("/tool-calls", response_model=list[AuditOut])
async def tool_calls(tenant_id: OwnerTenant, pool: Pool, _: Protocol,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[AuditOut]:
    """The latest calls to the shop's tools (MCP, assistant, WhatsApp), newest first."""
    return [AuditOut(at=r.at, channel=r.channel, actor=r.actor, role=r.role, tool=r.tool,
                     write=r.write, outcome=r.outcome, code=r.code)
            for r in await tool_audit.recent(pool, tenant_id, limit)]
