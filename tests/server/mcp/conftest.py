"""The tools' shop fixtures, for the MCP server's in-process tests."""

from tests.server.tools.conftest import catalog, other_shop, shop  # noqa: F401 (fixtures)
