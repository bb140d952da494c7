"""One MCP server over the shop's tools: each registry tool is an MCP tool with its own input
and output schema; a call runs through ``tools.calls.call_tool`` like any other caller's.

Built on the SDK's low-level ``Server`` (list and call handlers) rather than ``MCPServer``'s
decorators: the tools already are typed, validated, described objects, and their arguments
stay flat (``{"query": "coca"}``), as an LLM writes them. Who calls is decided per request by
``caller_of`` (the HTTP bearer key, or the key the stdio process was started with); a request
with no valid key lists nothing and runs nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server import Server
from mcp.server.context import ServerRequestContext
from mcp.types import (
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
    Tool,
    ToolAnnotations,
)

from shared.errors import DomainError
from sync_server.tools.base import Caller
from sync_server.tools.base import Tool as ShopTool
from sync_server.tools.calls import ToolEnv, call_tool
from sync_server.tools.registry import offered

log = logging.getLogger(__name__)

CallerOf = Callable[[], Awaitable[Caller | None]]
EnvOf = Callable[[], ToolEnv]

INSTRUCTIONS = (
    "Herramientas de una tienda de abarrotes mexicana (MiChangarrito): catálogo, existencias, "
    "ventas, fiados, cortes de caja, pedidos y cajas. Dinero en centavos (…_centavos) y como "
    "texto; fechas y horas en la zona de la tienda. Cada respuesta trae `summary`, lista para "
    "leerse. Las herramientas que cambian algo piden `idempotency_key`: repetir la llamada con "
    "la misma clave no repite el cambio.")


def mcp_tool(t: ShopTool[Any, Any]) -> Tool:
    return Tool(name=t.name, title=t.title, description=t.description,
                input_schema=t.input_schema(),
                output_schema=t.output.model_json_schema(mode="serialization"),
                annotations=ToolAnnotations(title=t.title, read_only_hint=not t.write,
                                            destructive_hint=False, idempotent_hint=True,
                                            open_world_hint=False))


def build(env_of: EnvOf, caller_of: CallerOf, name: str = "michangarrito") -> Server[Any]:
    async def list_tools(_ctx: ServerRequestContext[Any],
                         _params: PaginatedRequestParams | None) -> ListToolsResult:
        caller = await caller_of()
        return ListToolsResult(tools=[mcp_tool(t) for t in offered(caller)] if caller else [])

    async def call(_ctx: ServerRequestContext[Any], params: CallToolRequestParams) -> CallToolResult:
        caller = await caller_of()
        if caller is None:
            return _refusal("auth_required", "La llave de acceso no es válida o fue revocada.")
        try:
            result = await call_tool(env_of(), caller, params.name, params.arguments or {})
        except DomainError as exc:
            return _refusal(exc.code, exc.message)
        except Exception:
            log.exception("mcp tool call failed", extra={"tool": params.name[:80]})
            return _refusal("internal_error", "Error interno del servidor; intenta de nuevo.")
        data = result.output.model_dump(mode="json")
        return CallToolResult(content=[TextContent(text=json.dumps(data, ensure_ascii=False))],
                              structured_content=data)

    return Server(name, version="1", instructions=INSTRUCTIONS, on_list_tools=list_tools,
                  on_call_tool=call)


def _refusal(code: str, message: str) -> CallToolResult:
    """A refusal the model can read and act on (a tool result, not a protocol error)."""
    body = {"error": {"code": code, "message": message}}
    return CallToolResult(content=[TextContent(text=json.dumps(body, ensure_ascii=False))],
                          is_error=True)
