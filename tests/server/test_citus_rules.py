"""The schema stays distributable by Citus: read from the migrated database's own catalog, every
tenant table keys on tenant_id, and every other table is a named reference table.

Citus's rules for distributed tables co-located by ``tenant_id``: the primary key and every
unique constraint or index include the distribution column; a foreign key between two
distributed tables includes it on both sides; a reference table (copied to every node) may not
point at a distributed table. No Citus package is installable here, so the rules are checked
against PostgreSQL's catalog; docs/scaling.md has the layout and these same lists.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest

from sync_server import db
from tests.support.postgres import fresh_database

# Global tables: their keys are platform-wide (a login, a pairing code, an address or account that tried
# to log in; the plans and token packages on sale, the platform's own Stripe events; the
# platform's job runs; WhatsApp's shared-number routing), so Citus copies them to every node.
# docs/scaling.md lists the same.
REFERENCE_TABLES = frozenset({"owners", "pairing_codes", "auth_attempts", "server_state", "plans",
                              "token_packages", "stripe_events", "platform_job_runs",
                              "whatsapp_inbox", "whatsapp_shop_codes", "whatsapp_shared_choices",
                              "whatsapp_recipient_days"})
# The migration runner's bookkeeping, on the coordinator only.
COORDINATOR_TABLES = frozenset({"schema_migrations"})
DISTRIBUTION_COLUMN = "tenant_id"

_TABLES = """
    SELECT c.oid, c.relname,
           (SELECT a.attnum FROM pg_attribute a
            WHERE a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped) AS tenant_col
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
"""
_UNIQUE_INDEXES = """
    SELECT i.indrelid AS table_oid, ic.relname AS name, i.indisprimary AS primary_key,
           i.indkey::int2[] AS columns
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE i.indisunique
"""
_CONSTRAINTS = """
    SELECT conname AS name, contype::text AS kind, conrelid AS table_oid, confrelid AS target_oid,
           conkey AS columns, confkey AS target_columns
    FROM pg_constraint WHERE contype IN ('p', 'f', 'x')
"""


async def citus_violations(url: str) -> list[str]:
    """Every way the database at ``url`` breaks the distribution rules, in words."""
    conn = await asyncpg.connect(url)
    try:
        tables = {r["oid"]: (r["relname"], r["tenant_col"])
                  for r in await conn.fetch(_TABLES, DISTRIBUTION_COLUMN)}
        indexes = [r for r in await conn.fetch(_UNIQUE_INDEXES) if r["table_oid"] in tables]
        constraints = [r for r in await conn.fetch(_CONSTRAINTS) if r["table_oid"] in tables]
    finally:
        await conn.close()

    def distributed(oid: int) -> bool:
        name, tenant_col = tables[oid]
        return tenant_col is not None and name not in REFERENCE_TABLES | COORDINATOR_TABLES

    problems = []
    for oid, (name, tenant_col) in sorted(tables.items(), key=lambda t: t[1][0]):
        if tenant_col is None and name not in REFERENCE_TABLES | COORDINATOR_TABLES:
            problems.append(f"{name}: no {DISTRIBUTION_COLUMN} and not named a reference table")
        if distributed(oid) and not any(c["kind"] == "p" and c["table_oid"] == oid
                                        for c in constraints):
            problems.append(f"{name}: no primary key")
    for index in indexes:
        name, tenant_col = tables[index["table_oid"]]
        if distributed(index["table_oid"]) and tenant_col not in index["columns"]:
            what = "primary key" if index["primary_key"] else "unique index"
            problems.append(f"{name}: {what} {index['name']} lacks {DISTRIBUTION_COLUMN}")
    for con in constraints:
        name, tenant_col = tables[con["table_oid"]]
        if con["kind"] == "x" and distributed(con["table_oid"]) and tenant_col not in con["columns"]:
            problems.append(f"{name}: exclusion constraint {con['name']} lacks {DISTRIBUTION_COLUMN}")
        if con["kind"] != "f" or con["target_oid"] not in tables:
            continue
        target, target_tenant_col = tables[con["target_oid"]]
        if not distributed(con["target_oid"]):
            continue  # distributed → reference (or reference → reference) is allowed
        if not distributed(con["table_oid"]):
            problems.append(f"{name}: reference table with foreign key {con['name']} to "
                            f"distributed table {target}")
            continue
        pairs = set(zip(con["columns"], con["target_columns"], strict=True))
        if (tenant_col, target_tenant_col) not in pairs:
            problems.append(f"{name}: foreign key {con['name']} to {target} does not match "
                            f"{DISTRIBUTION_COLUMN} to {DISTRIBUTION_COLUMN}")
    return problems


def test_every_tenant_table_can_be_distributed_by_tenant_id(database_url):
    assert asyncio.run(citus_violations(database_url)) == []


def test_the_check_sees_every_tenant_table(database_url):
    """Not vacuous: the catalog query finds the tenant tables the migrations made."""
    async def names() -> set[str]:
        conn = await asyncpg.connect(database_url)
        try:
            rows = await conn.fetch(_TABLES, DISTRIBUTION_COLUMN)
        finally:
            await conn.close()
        return {r["relname"] for r in rows if r["tenant_col"] is not None}

    found = asyncio.run(names())
    assert {"sales", "sale_lines", "changes", "products", "devices", "outbound_messages"} <= found
    assert len(found - REFERENCE_TABLES) >= 20


THROWAWAY = {
    "key without tenant_id": (
        "CREATE TABLE notes (tenant_id uuid NOT NULL REFERENCES tenants (tenant_id),"
        " note_id uuid PRIMARY KEY, body text);",
        "notes: primary key notes_pkey lacks tenant_id"),
    "unique without tenant_id": (
        "CREATE TABLE notes (tenant_id uuid NOT NULL, note_id uuid NOT NULL, slug text,"
        " PRIMARY KEY (tenant_id, note_id)); CREATE UNIQUE INDEX notes_slug ON notes (slug);",
        "notes: unique index notes_slug lacks tenant_id"),
    "foreign key without tenant_id": (
        "CREATE TABLE notes (tenant_id uuid NOT NULL, note_id uuid NOT NULL, sale_id uuid,"
        " PRIMARY KEY (tenant_id, note_id)); CREATE UNIQUE INDEX sales_id ON sales (sale_id);"
        " ALTER TABLE notes ADD CONSTRAINT notes_sale FOREIGN KEY (sale_id)"
        " REFERENCES sales (sale_id);",
        "notes: foreign key notes_sale to sales does not match tenant_id to tenant_id"),
    "global table not named": (
        "CREATE TABLE price_lists (list_id text PRIMARY KEY, price bigint NOT NULL);",
        "price_lists: no tenant_id and not named a reference table"),
    "reference table pointing at a tenant table": (
        "ALTER TABLE pairing_codes ADD CONSTRAINT pairing_device FOREIGN KEY (tenant_id, device_id)"
        " REFERENCES devices (tenant_id, device_id);",
        "pairing_codes: reference table with foreign key pairing_device to distributed table "
        "devices"),
}


@pytest.mark.parametrize("case", THROWAWAY)
def test_a_migration_breaking_the_rules_fails_the_check(case, pg_url, tmp_path: Path):
    """A throwaway migration, numbered after the real ones and applied by the real runner."""
    sql, expected = THROWAWAY[case]
    migrations = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS_DIR, migrations)
    number = len(db.load_migrations(migrations)) + 1
    (migrations / f"{number:04d}_throwaway.sql").write_text(sql, encoding="utf-8")
    with fresh_database(pg_url) as url:
        assert asyncio.run(db.migrate(url, migrations)) == [f"{number:04d}_throwaway"]
        problems = asyncio.run(citus_violations(url))
    assert expected in problems
