"""The tools' shop fixtures, for the MCP server's in-process tests."""

from tests.server.tools import conftest as tools

catalog, shop, other_shop = tools.catalog, tools.shop, tools.other_shop
