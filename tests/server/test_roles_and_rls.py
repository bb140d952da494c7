"""Finding 1: the server's own login cannot step around row-level security.

It connects as michangarrito_app (no superuser, no BYPASSRLS, no role to become), every tenant
table forces RLS, and the definer functions belong to a role of their own with a pinned path.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from sync_server import db
from sync_server.app import open_database
from sync_server.config import Settings, login_url
from sync_server.services import shops
from tests.server.owner_api import PASSWORD, client, pair, sign_up
from tests.support.postgres import new_cluster
from tests.support.server import ServerHarness

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e

ESCAPES = [
    "SET ROLE postgres",
    "SET LOCAL ROLE postgres",
    "SET ROLE NONE",
    "RESET ROLE",
    "SET SESSION AUTHORIZATION postgres",
    "RESET SESSION AUTHORIZATION",
    "SELECT set_config('role', 'postgres', true)",
    "SELECT set_config('role', 'none', true)",
    "SELECT set_config('session_authorization', 'postgres', true)",
]


def test_the_pool_logs_in_as_the_app_role_which_is_no_superuser(server):
    async def who(pool):
        async with db.unscoped_tx(pool) as conn:
            return await conn.fetchrow(
                """SELECT session_user AS login, current_user AS acting, r.rolsuper,
                          r.rolbypassrls, r.rolinherit, r.rolcreaterole, r.rolcreatedb,
                          (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid) AS groups,
                          has_schema_privilege('public', 'CREATE') AS creates
                   FROM pg_roles r WHERE r.rolname = session_user""")

    row = dict(server.call(who))
    assert row == {"login": "michangarrito_app", "acting": "michangarrito_app", "rolsuper": False,
                   "rolbypassrls": False, "rolinherit": False, "rolcreaterole": False,
                   "rolcreatedb": False, "groups": 0, "creates": False}


@pytest.mark.parametrize("escape", ESCAPES)
def test_no_statement_takes_the_app_past_row_level_security(server, small_catalog, escape):
    mine = server.call(lambda pool: shops.create_shop(pool, "Mía", small_catalog[:2]))
    server.call(lambda pool: shops.create_shop(pool, "Suya", small_catalog))

    async def escape_and_look(pool):
        async with pool.acquire() as conn:
            try:
                async with conn.transaction():
                    await conn.execute("SELECT set_config('app.tenant_id', $1, true)",
                                       str(mine.tenant_id))
                    try:
                        await conn.execute(escape)
                    except asyncpg.PostgresError as exc:
                        return "refused", type(exc).__name__
                    seen = await conn.fetchval(
                        "SELECT count(*) FROM products WHERE tenant_id <> $1", mine.tenant_id)
                    who = await conn.fetchval("SELECT current_user")
                    return seen, who
            finally:
                await conn.execute("RESET ALL")

    outcome = server.call(escape_and_look)
    assert outcome[0] == "refused" or outcome == (0, "michangarrito_app"), outcome


def test_every_tenant_table_forces_row_level_security(server):
    loose = server.admin(
        """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
           WHERE n.nspname = 'public' AND c.relkind = 'r'
             AND NOT (c.relrowsecurity AND c.relforcerowsecurity)""")
    assert [r["relname"] for r in loose] == []


def test_definer_functions_belong_to_their_own_role_with_a_pinned_path(server):
    rows = server.admin(
        """SELECT p.proname, pg_get_userbyid(p.proowner) AS owner, p.proconfig
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND p.prosecdef ORDER BY p.proname""")
    assert [r["proname"] for r in rows] == [
        "mch_billing_tenant_of_customer", "mch_billing_tenants_on_plan", "mch_cfdi_due_tenants",
        "mch_cfdi_tenants", "mch_job_shops", "mch_outbound_due_tenants",
        "mch_outbound_queue_depth", "mch_owner_login", "mch_pairing_tenant", "mch_pay_due_tenants",
        "mch_sale_tenants", "mch_whatsapp_code_tenant", "mch_whatsapp_message_tenant",
        "mch_whatsapp_number_tenant"]
    for r in rows:
        assert r["owner"] == "michangarrito_definer", r["proname"]
        assert r["proconfig"] == ["search_path=pg_catalog, pg_temp"], r["proname"]
    definer = server.admin("SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles "
                           "WHERE rolname = 'michangarrito_definer'")
    assert [tuple(r) for r in definer] == [(False, False, False)]
    members = server.admin(
        """SELECT u.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
           JOIN pg_roles u ON u.oid = m.member
           WHERE g.rolname IN ('michangarrito_definer', 'michangarrito_app')
             AND u.rolname = 'michangarrito_app'""")
    assert members == []


@pytest.mark.slow
def test_migrate_gives_the_app_login_its_password(database_url):
    """``./bin/server migrate`` with MCH_APP_DB_PASSWORD: the login gets a SCRAM secret."""
    env = {**os.environ, "DATABASE_URL": database_url, "MCH_APP_DB_PASSWORD": "clave-de-prueba-larga",
           "MCH_LOG_JSON": "false"}
    done = subprocess.run([sys.executable, "-m", "sync_server", "migrate"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ninguna (al día)" in done.stdout

    async def secret() -> str | None:
        conn = await asyncpg.connect(database_url)
        try:
            value: str | None = await conn.fetchval(
                "SELECT rolpassword FROM pg_authid WHERE rolname = 'michangarrito_app'")
            await conn.execute("ALTER ROLE michangarrito_app PASSWORD NULL")  # the cluster's own
            return value
        finally:
            await conn.close()

    assert (asyncio.run(secret()) or "").startswith("SCRAM-SHA-256$")


def test_where_the_pool_connects():
    owner = "postgresql://owner:s3cret@db.example:5433/mch?sslmode=require"
    settings = Settings(database_url=owner, app_db_password="p@ss word")
    assert settings.app_dsn(owner) == (
        "postgresql://michangarrito_app:p%40ss%20word@db.example:5433/mch?sslmode=require")
    assert login_url("postgresql://postgres:@/db?host=/tmp/s", "michangarrito_app", None) == (
        "postgresql://michangarrito_app@/db?host=/tmp/s")
    alone = Settings(app_database_url="postgresql://michangarrito_app:x@db/mch")
    database = open_database(alone)
    assert (database.owner_dsn, database.app_dsn) == (None, "postgresql://michangarrito_app:x@db/mch")


@pytest.mark.slow
def test_an_owner_login_that_is_no_superuser_migrates_and_the_server_serves(tmp_path):
    """A managed PostgreSQL never hands out a superuser: the owner login has CREATEROLE and owns
    the database. It can run every migration (0017 used to need a superuser to name NOSUPERUSER
    and to give the definer functions away), and the server then serves as its own login."""
    with new_cluster(tmp_path / "pg") as superuser_url:
        async def owner_login() -> None:
            conn = await asyncpg.connect(superuser_url)
            try:
                await conn.execute("CREATE ROLE tienda_owner LOGIN CREATEROLE")
                await conn.execute("ALTER DATABASE michangarrito OWNER TO tienda_owner")
            finally:
                await conn.close()

        asyncio.run(owner_login())
        owner_url = login_url(superuser_url, "tienda_owner", None)
        env = {**os.environ, "DATABASE_URL": owner_url, "MCH_LOG_JSON": "false",
               "MCH_DATA_DIR": str(tmp_path / "server")}
        done = subprocess.run([sys.executable, "-m", "sync_server", "migrate"], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "0019_" in done.stdout

        server = ServerHarness(owner_url).start()
        try:
            with client(server.url) as api:
                owner = sign_up(api)
                login = api.post("/v1/owners/login", json={"login": "dona.mary@example.mx",
                                                          "password": PASSWORD})
                device = pair(api, owner["token"])
            assert login.status_code == 200, login.text
            assert device["device_code"] == "C1"
            rows = server.admin(
                """SELECT r.rolsuper, r.rolbypassrls, r.rolinherit,
                          (SELECT array_agg(DISTINCT pg_get_userbyid(p.proowner)) FROM pg_proc p
                           WHERE p.prosecdef) AS definers,
                          has_schema_privilege('michangarrito_definer', 'public', 'CREATE') AS c
                   FROM pg_roles r WHERE r.rolname = 'michangarrito_app'""")
            assert [tuple(r) for r in rows] == [(False, False, False, ["michangarrito_definer"],
                                                 False)]
        finally:
            server.stop()


def test_a_database_migrated_before_0017_was_edited_is_up_to_date(database_url):
    """0017 and 0019 were edited to run without a superuser; where their first text ran it did
    the same, so that text's checksum still counts as applied."""
    async def as_before() -> list[str]:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(
                "UPDATE schema_migrations SET checksum = $1 WHERE version = 17",
                "974c294be7b442d6cc5831cd5eb4d069e782dc24cd649b636555ba52f57ae923")
        finally:
            await conn.close()
        return await db.migrate(database_url)

    assert asyncio.run(as_before()) == []


def test_the_app_logins_password_never_reaches_postgresql_in_the_clear():
    """``ALTER ROLE … PASSWORD 'x'`` is written to PostgreSQL's log (log_statement = ddl) and to
    pg_stat_statements as sent. What is sent is a SCRAM-SHA-256 verifier made here, as psql's
    \\password does. Checked against RFC 7677's exchange: the verifier's ServerKey signs that
    exchange exactly as the server did (user "user", password "pencil")."""
    salt = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
    verifier = db.scram_verifier("pencil", salt=salt, iterations=4096)
    assert "pencil" not in verifier
    kind, rest = verifier.split("$", 1)
    params, keys = rest.split("$")
    assert (kind, params) == ("SCRAM-SHA-256", "4096:W22ZaJ0SNY7soEsUEjb6gQ==")
    server_key = base64.b64decode(keys.split(":")[1])
    auth_message = ("n=user,r=rOprNGfwEbeRWgbNEkqO,"
                    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
                    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")
    signature = hmac.new(server_key, auth_message.encode(), hashlib.sha256).digest()
    assert base64.b64encode(signature).decode() == "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
    statement = db.password_statement("michangarrito_app", "clave-de-prueba-larga")
    assert "clave-de-prueba-larga" not in statement
    assert statement.startswith('ALTER ROLE "michangarrito_app" PASSWORD \'SCRAM-SHA-256$4096:')
