"""Probes, migrations and the row-level security wall."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest

from sync_server import db
from sync_server.services import shops

pytestmark = pytest.mark.e2e


def test_health_and_readiness(server):
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server.url}/readyz").json() == {"status": "ready"}


def test_readiness_fails_when_the_database_goes_away(server):
    async def close(pool):
        await pool.close()

    server.call(close)
    response = httpx.get(f"{server.url}/readyz")
    assert (response.status_code, response.json()["code"]) == (503, "database_unavailable")


def test_migrations_are_idempotent_and_refuse_edited_history(database_url, tmp_path):
    assert asyncio.run(db.migrate(database_url)) == []  # the template already applied them
    edited = tmp_path / "migrations"
    edited.mkdir()
    for mig in db.load_migrations():
        (edited / f"{mig.name}.sql").write_text(mig.sql + "\n-- edited\n")
    with pytest.raises(RuntimeError, match="edited after it was applied"):
        asyncio.run(db.migrate(database_url, edited))


def test_app_role_sees_only_the_tenant_it_is_scoped_to(server, small_catalog):
    a = server.call(lambda pool: shops.create_shop(pool, "Tienda A", small_catalog))
    b = server.call(lambda pool: shops.create_shop(pool, "Tienda B", small_catalog[:3]))

    async def probe(pool):
        async with pool.acquire() as conn:
            unscoped = await conn.fetchval("SELECT count(*) FROM products")
            role = await conn.fetchval("SELECT current_user")
        async with db.tenant_tx(pool, a.tenant_id) as conn:
            mine = await conn.fetchval("SELECT count(*) FROM products")
            other = await conn.fetchval(
                "SELECT count(*) FROM products WHERE tenant_id = $1", b.tenant_id)
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(
                    "INSERT INTO sales (tenant_id, sale_id, folio, sold_at, total, change) "
                    "VALUES ($1, gen_random_uuid(), 'X', now(), 1, 0)", b.tenant_id)
        return role, unscoped, mine, other

    role, unscoped, mine, other = server.call(probe)
    assert role == "michangarrito_app"
    assert (unscoped, mine, other) == (0, len(small_catalog), 0)


def test_facts_cannot_be_rewritten_by_the_app_role(server, shop):
    async def rewrite(pool):
        async with db.tenant_tx(pool, shop.tenant_id) as conn:
            await conn.execute("UPDATE changes SET hlc = 0")

    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        server.call(rewrite)


def test_every_table_with_tenant_data_is_behind_row_level_security(server, small_catalog):
    shop_a = server.call(lambda pool: shops.create_shop(pool, "Tienda A", small_catalog))
    server.call(lambda pool: shops.create_shop(pool, "Tienda B", small_catalog))
    tables = [r["table_name"] for r in server.admin(
        """SELECT c.table_name FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
           WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id'
             AND t.table_type = 'BASE TABLE'""")]
    assert len(tables) >= 20
    unprotected = server.admin(
        "SELECT relname FROM pg_class WHERE relname = ANY($1::text[]) AND NOT relrowsecurity",
        tables)
    assert unprotected == []

    async def visible(pool):
        out = {}
        async with db.tenant_tx(pool, shop_a.tenant_id) as conn:
            for t in tables:
                out[t] = await conn.fetchval(
                    f"SELECT count(*) FROM {t} WHERE tenant_id <> $1", shop_a.tenant_id)
        return out

    assert set(server.call(visible).values()) == {0}
