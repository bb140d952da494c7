"""The MCP server over stdio, for a client on the same machine (Claude Desktop starts it as a
command): it reads the shop's database directly, as the key given at start allows.

The key is checked when the process starts (a bad one exits with a message, before any client
waits on it) and again on every request, so revoking it stops a running process too. Nothing
but MCP goes to stdout: logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from mcp.server.stdio import stdio_server

from sync_server import logs
from sync_server.app import with_pool
from sync_server.config import Settings
from sync_server.db import Pool
from sync_server.mcp.server import build
from sync_server.services import mcp_keys
from sync_server.services.mcp_keys import McpKey
from sync_server.tools.base import Caller, CallerRole
from sync_server.tools.calls import ToolEnv

KEY_ENV = "MCH_MCP_KEY"


def caller_of(key: McpKey) -> Caller:
    role = CallerRole.STAFF if key.role == "staff" else CallerRole.OWNER
    return Caller(key.tenant_id, role, "mcp", f"mcp:{key.key_id} ({key.name[:60]})",
                  can_write=key.can_write)


async def serve(settings: Settings, token: str) -> int:
    async def run(pool: Pool) -> int:
        if await mcp_keys.authenticate(pool, token) is None:
            print("La llave MCP no es válida o fue revocada. Crea una nueva en tu cuenta.",
                  file=sys.stderr)
            return 2

        async def current() -> Caller | None:
            key = await mcp_keys.authenticate(pool, token)
            return caller_of(key) if key else None

        server = build(lambda: ToolEnv.from_settings(pool, settings), current)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
        return 0

    return await with_pool(settings, run, 4)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="michangarrito-server mcp",
                                     description="Servidor MCP de la tienda por stdio")
    parser.add_argument("--key", help=f"la llave MCP de la tienda (o la variable {KEY_ENV})")
    args = parser.parse_args(argv)
    token = args.key or os.environ.get(KEY_ENV, "")
    if not token:
        parser.error(f"falta la llave: --key o {KEY_ENV}")
    settings = Settings()
    logs.configure(settings.log_level, settings.log_json)  # to stderr: stdout is the protocol's
    sys.exit(asyncio.run(serve(settings, token)))
