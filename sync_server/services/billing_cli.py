"""What the operator's billing commands print (``michangarrito-server plans``,
``michangarrito-server billing-backfill``), in Spanish."""

from __future__ import annotations

from typing import Any

from shared.spanish import agree, count
from sync_server.billing import admin
from sync_server.billing.context import Billing
from sync_server.repositories.plans import EDITABLE

_INT = {"monthly_price", "max_tills", "max_products", "max_users", "monthly_tokens"}
_BOOL = {"whatsapp_bot", "active"}


def parse_changes(pairs: list[str]) -> dict[str, Any]:
    """``["max_tills=3", "max_products=none"]`` → ``{"max_tills": 3, "max_products": None}``."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in EDITABLE:
            raise SystemExit(f"«{pair}»: usa campo=valor con campo uno de {', '.join(EDITABLE)}")
        if name in _BOOL:
            out[name] = value.lower() in ("1", "si", "sí", "true", "yes")
        elif name in _INT:
            out[name] = None if value.lower() in ("none", "sin", "") else int(value)
        else:
            out[name] = value
    return out


async def plans_command(billing: Billing, action: str, plan_id: str | None,
                        changes: list[str]) -> str:
    if action == "set":
        if not plan_id or not changes:
            raise SystemExit("uso: plans set ID campo=valor …")
        shops = await admin.edit_plan(billing, plan_id, parse_changes(changes))
        return (f"plan {plan_id} actualizado; {count(shops, 'tienda')} "
                f"{agree(shops, 'recibe', 'reciben')} su nuevo plan")
    return "\n".join(f"{p.limits.code:12} {'activo ' if p.active else 'inactivo'} "
                     f"{p.limits.describe()}" for p in await admin.list_plans(billing))


async def backfill_command(billing: Billing, days: int) -> str:
    done = await admin.backfill(billing, days)
    return (f"eventos de Stripe desde hace {count(days, 'día')}: {done.listed}; no recibidos antes: "
            f"{done.new}; atendidos ahora: {done.handled}")
