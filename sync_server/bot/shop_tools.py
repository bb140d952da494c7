"""The bot's way into the shop's tools: who it calls them as, and the catalog it matches words to.

The caller is decided by what the person proved, never by what they say: the owner's verified
phone calls as the owner; a customer verified with a one-time code calls as that customer (the
tools then answer about them and nobody else); anyone else is served by the shop's bot itself,
which only ever calls the public tools for them (catalog, prices, placing an order).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sync_server.bot.matcher import CatalogItem
from sync_server.db import tenant_tx
from sync_server.repositories import stock
from sync_server.repositories.wa_contacts import Contact
from sync_server.tools.base import Caller, CallerRole, ToolOutput
from sync_server.tools.calls import ToolEnv, call_tool


def caller_for(tenant_id: uuid.UUID, contact: Contact) -> Caller:
    actor = f"whatsapp:{contact.contact_id}"
    if contact.owner_id is not None:
        return Caller(tenant_id, CallerRole.OWNER, "whatsapp", actor, can_write=True)
    if contact.customer_id is not None:
        return Caller(tenant_id, CallerRole.CUSTOMER, "whatsapp", actor,
                      customer_id=contact.customer_id, can_write=True)
    return Caller(tenant_id, CallerRole.STAFF, "whatsapp", actor, can_write=True)


class ShopTools:
    def __init__(self, env: ToolEnv) -> None:
        self.env = env

    async def call(self, caller: Caller, name: str, args: Mapping[str, Any]) -> ToolOutput:
        return (await call_tool(self.env, caller, name, args)).output

    async def catalog(self, tenant_id: uuid.UUID) -> list[CatalogItem]:
        """What the shop sells, with the server's derived stock, for matching what people say."""
        async with tenant_tx(self.env.pool, tenant_id) as conn:
            rows = await stock.active_with_stock(conn, tenant_id)
        return [CatalogItem(r.product_id, r.name, r.price, r.sold_by_weight, r.stock_milli)
                for r in rows]
