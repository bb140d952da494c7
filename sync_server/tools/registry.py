"""The one registry of the shop's tools, by name, and which of them a caller may be offered."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from sync_server.tools import cash, catalog, customers, invoices, orders, sales, shop, writes
from sync_server.tools.base import Caller, Tool

_ALL: list[Tool[Any, Any]] = [*catalog.TOOLS, *sales.TOOLS, *customers.TOOLS, *cash.TOOLS,
                              *orders.TOOLS, *shop.TOOLS, *writes.TOOLS, *invoices.TOOLS]
TOOLS: Mapping[str, Tool[Any, Any]] = MappingProxyType({t.name: t for t in _ALL})
if len(TOOLS) != len(_ALL):
    raise RuntimeError("two tools share a name")


def offered(caller: Caller) -> list[Tool[Any, Any]]:
    """The tools this caller may call: its role's, and writes only when it may write."""
    return [t for t in TOOLS.values() if t.allows(caller) and (caller.can_write or not t.write)]
