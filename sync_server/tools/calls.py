"""How every tool call runs, whoever makes it (the rule bot, the LLM, an MCP client): look the
tool up, check the caller may use it, validate the arguments, run it in one tenant
transaction, keep a write's answer under its idempotency key, and audit the call.

A write called again with the same key returns the first call's answer and changes nothing;
two calls racing with one key write once (the key is taken in the write's own transaction).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from shared.clock import utc_now
from shared.errors import DomainError
from shared.ids import new_uuid7
from sync_server.billing.limits import token_plan  # each shop's own plan record
from sync_server.config import Settings
from sync_server.db import Pool, tenant_tx
from sync_server.repositories import Connection, shop, tool_calls
from sync_server.repositories.tool_calls import CallRecord
from sync_server.services.tokens import PlanLookup
from sync_server.tools.base import Caller, Tool, ToolContext, ToolOutput, WriteInput
from sync_server.tools.registry import TOOLS

log = logging.getLogger(__name__)


class ToolRefused(DomainError):
    """The call was not run: ``code`` says why (unknown_tool, tool_not_allowed,
    writes_not_allowed, invalid_arguments, idempotency_key_reused)."""

    code = "tool_refused"


@dataclass(frozen=True)
class ToolEnv:
    """What calls need from the server: the pool, each shop's plan, the clock."""

    pool: Pool
    plan_for: PlanLookup
    clock: Callable[[], datetime] = utc_now

    @classmethod
    def from_settings(cls, pool: Pool, settings: Settings) -> ToolEnv:
        return cls(pool, token_plan)


@dataclass(frozen=True)
class ToolResult:
    tool: Tool[Any, Any]
    output: ToolOutput
    replayed: bool  # a write's earlier answer, returned for a call with the same key

    def json(self) -> str:
        return self.output.model_dump_json()


def lookup(caller: Caller, name: str) -> Tool[Any, Any]:
    """The tool ``name`` if this caller may call it; refused otherwise (an unknown name and one
    the caller's role lacks are told apart, but neither runs)."""
    found = TOOLS.get(name)
    if found is None:
        raise ToolRefused(f"No existe la herramienta «{name[:60]}».", code="unknown_tool")
    if not found.allows(caller):
        raise ToolRefused("Esa herramienta no está disponible para ti.", code="tool_not_allowed")
    if found.write and not caller.can_write:
        raise ToolRefused("Esta conexión es de solo lectura: el dueño no le permitió hacer "
                          "cambios.", code="writes_not_allowed")
    return found


def parse(found: Tool[Any, Any], arguments: Mapping[str, Any]) -> Any:
    try:
        return found.input.model_validate(dict(arguments))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'argumentos'}: {e['msg']}"
                             for e in exc.errors()[:8])
        raise ToolRefused(f"Argumentos no válidos para {found.name}: {problems}",
                          code="invalid_arguments") from None


async def call_tool(env: ToolEnv, caller: Caller, name: str, arguments: Mapping[str, Any]
                    ) -> ToolResult:
    """Run one tool call for ``caller``; refusals raise ``DomainError`` (audited too)."""
    started = time.perf_counter()
    outcome, code, write = "error", None, False
    try:
        found = lookup(caller, name)
        write = found.write
        args = parse(found, arguments)
        async with tenant_tx(env.pool, caller.tenant_id) as conn:
            ctx = await _context(env, conn, caller)
            output, replayed = await (_write(ctx, conn, found, args) if write
                                      else _read(ctx, conn, found, args))
            outcome = "replayed" if replayed else "ok"
            await _audit(conn, caller, name, write, outcome, None, started)
        return ToolResult(found, output, replayed)
    except DomainError as exc:
        outcome, code = "refused", exc.code
        raise
    finally:
        if outcome not in ("ok", "replayed"):
            try:
                async with tenant_tx(env.pool, caller.tenant_id) as conn:
                    await _audit(conn, caller, name, write, outcome, code, started)
            except Exception:  # the audit must not hide the call's own error
                log.exception("tool call audit failed", extra={"tool": name[:80]})


async def refuse(env: ToolEnv, caller: Caller, name: str, code: str) -> None:
    """Audit a call that was not run because its caller never had the tool (the assistant
    asked by a model for one it was not offered)."""
    async with tenant_tx(env.pool, caller.tenant_id) as conn:
        await _audit(conn, caller, name, False, "refused", code, time.perf_counter())


async def _context(env: ToolEnv, conn: Connection, caller: Caller) -> ToolContext:
    profile = await shop.profile(conn, caller.tenant_id)
    if profile is None:
        raise ToolRefused("Esa tienda no existe.", code="unknown_shop")
    return ToolContext(caller=caller, now=env.clock(), tz=ZoneInfo(profile.timezone),
                       shop_name=profile.name, plan_for=env.plan_for)


async def _read(ctx: ToolContext, conn: Connection, found: Tool[Any, Any], args: Any
                ) -> tuple[ToolOutput, bool]:
    return await found.run(ctx, conn, args), False


async def _write(ctx: ToolContext, conn: Connection, found: Tool[Any, Any], args: WriteInput
                 ) -> tuple[ToolOutput, bool]:
    digest = hashlib.sha256(json.dumps(args.model_dump(mode="json", exclude={"idempotency_key"}),
                                       sort_keys=True).encode()).digest()
    claim = await tool_calls.claim(conn, ctx.tenant_id, found.name, args.idempotency_key, digest)
    if not claim.fresh:
        if not claim.same_arguments:
            raise ToolRefused("Esa clave de operación ya se usó para otro cambio; usa una nueva.",
                              code="idempotency_key_reused")
        assert claim.result is not None  # its call committed, so it stored its answer
        return found.output.model_validate(claim.result), True
    output: ToolOutput = await found.run(ctx, conn, args)
    await tool_calls.save_result(conn, ctx.tenant_id, found.name, args.idempotency_key,
                                 output.model_dump_json())
    return output, False


async def _audit(conn: Connection, caller: Caller, tool: str, write: bool, outcome: str,
                 code: str | None, started: float) -> None:
    await tool_calls.record(conn, caller.tenant_id, CallRecord(
        call_id=new_uuid7(), channel=caller.channel, actor=caller.actor, role=caller.role.value,
        tool=tool, write=write, outcome=outcome, code=code,
        duration_ms=int((time.perf_counter() - started) * 1000)))
