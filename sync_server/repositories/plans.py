"""Plans and token packages (global reference tables), and the plan record the tills receive."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.ids import SERVER_WRITER
from shared.plans import PlanLimits
from shared.sync.envelopes import PlanChange
from sync_server.repositories import Connection
from sync_server.repositories.bulk import upsert_newest

_PLAN_COLUMNS = """plan_id AS code, name, monthly_price, max_tills, max_products, max_users,
                   whatsapp_bot, monthly_tokens"""


@dataclass(frozen=True)
class Plan:
    limits: PlanLimits
    stripe_lookup_key: str | None
    is_free: bool
    active: bool


def _plan(row: Any) -> Plan:
    return Plan(PlanLimits(**{k: row[k] for k in (
        "code", "name", "monthly_price", "max_tills", "max_products", "max_users",
        "whatsapp_bot", "monthly_tokens")}), row["stripe_lookup_key"], row["is_free"], row["active"])


async def all_plans(conn: Connection) -> list[Plan]:
    rows = await conn.fetch(f"""SELECT {_PLAN_COLUMNS}, stripe_lookup_key, is_free, active
                                FROM plans ORDER BY sort, plan_id""")
    return [_plan(r) for r in rows]


async def get(conn: Connection, plan_id: str) -> Plan | None:
    row = await conn.fetchrow(f"""SELECT {_PLAN_COLUMNS}, stripe_lookup_key, is_free, active
                                  FROM plans WHERE plan_id = $1""", plan_id)
    return _plan(row) if row else None


async def free(conn: Connection) -> Plan:
    row = await conn.fetchrow(f"""SELECT {_PLAN_COLUMNS}, stripe_lookup_key, is_free, active
                                  FROM plans WHERE is_free""")
    if row is None:
        raise LookupError("no free plan in the plans table")
    return _plan(row)


async def by_lookup_key(conn: Connection, lookup_key: str) -> Plan | None:
    row = await conn.fetchrow(f"""SELECT {_PLAN_COLUMNS}, stripe_lookup_key, is_free, active
                                  FROM plans WHERE stripe_lookup_key = $1""", lookup_key)
    return _plan(row) if row else None


EDITABLE = ("name", "monthly_price", "max_tills", "max_products", "max_users", "whatsapp_bot",
            "monthly_tokens", "active")


async def update(conn: Connection, plan_id: str, changes: dict[str, Any]) -> bool:
    """Change some of a plan's columns (only those in ``EDITABLE``); False if no such plan."""
    names = [c for c in changes if c in EDITABLE]
    if len(names) != len(changes) or not names:
        raise ValueError(f"editable plan fields: {', '.join(EDITABLE)}")
    sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(names, start=2))
    done: str = await conn.execute(f"UPDATE plans SET {sets} WHERE plan_id = $1", plan_id,
                                   *(changes[c] for c in names))
    return done.endswith(" 1")


async def tenants_on(conn: Connection, plan_id: str) -> list[uuid.UUID]:
    rows = await conn.fetch("SELECT t FROM mch_billing_tenants_on_plan($1) AS t", plan_id)
    return [r["t"] for r in rows]


@dataclass(frozen=True)
class TokenPackage:
    package_id: str
    tokens: int
    price: int


async def token_packages(conn: Connection) -> list[TokenPackage]:
    rows = await conn.fetch("""SELECT package_id, tokens, price FROM token_packages
                               WHERE active ORDER BY sort, tokens""")
    return [TokenPackage(**dict(r)) for r in rows]


async def token_package(conn: Connection, package_id: str) -> TokenPackage | None:
    row = await conn.fetchrow("""SELECT package_id, tokens, price FROM token_packages
                                 WHERE package_id = $1 AND active""", package_id)
    return TokenPackage(**dict(row)) if row else None


# ---- the plan record (entity ``plan``) ------------------------------------------------------


async def upsert_records(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[PlanChange],
) -> None:
    await upsert_newest(conn, "plan_records", "record_id", [
        ("tenant_id", "uuid"), ("record_id", "uuid"), ("body", "jsonb"), ("deleted", "boolean"),
        ("hlc", "bigint"), ("hlc_device", "uuid"),
    ], [(tenant_id, c.payload.id, c.payload.model_dump_json(), c.op == "delete", c.hlc,
         origin or SERVER_WRITER) for c in changes])


async def record(conn: Connection, tenant_id: uuid.UUID, record_id: uuid.UUID) -> tuple[str, int] | None:
    """The stored plan record's JSON body and its stamp."""
    row = await conn.fetchrow("""SELECT body::text AS body, hlc FROM plan_records
                                 WHERE tenant_id = $1 AND record_id = $2""", tenant_id, record_id)
    return (row["body"], row["hlc"]) if row else None
