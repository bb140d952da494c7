"""``python -m sync_server.mcp --key <llave>``: the shop's MCP server over stdio."""

from sync_server.mcp.stdio import main

main()
