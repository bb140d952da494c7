"""PostgreSQL for tests: one cluster per run (embedded, or TEST_DATABASE_URL), a database per test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from sync_server import db

TEMPLATE = "mch_test_template"


def cluster_url(tmp_dir: Path) -> str:
    """The maintenance URL of the test cluster."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url
    return db.EmbeddedPostgres(tmp_dir).url  # stopped at exit by pgserver's atexit hook


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _exec(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


def make_template(url: str) -> None:
    """A migrated database that every test database is copied from (cheap: a file copy)."""
    # Worker-specific so parallel test processes on one cluster don't share a template.
    asyncio.run(_exec(url, f"DROP DATABASE IF EXISTS {template_name()} WITH (FORCE)",
                      f"CREATE DATABASE {template_name()}"))
    asyncio.run(db.migrate(with_database(url, template_name())))


def template_name() -> str:
    return f"{TEMPLATE}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    name = f"mch_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_exec(url, f"CREATE DATABASE {name} TEMPLATE {template_name()}"))
    try:
        yield with_database(url, name)
    finally:
        asyncio.run(_exec(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@contextmanager
def new_cluster(tmp_dir: Path) -> Iterator[str]:
    """A PostgreSQL server of its own, as a new machine has one: none of our roles exist yet
    (roles belong to a whole server, so the run's shared cluster cannot show this). Yields the
    URL of a database ``michangarrito`` on it, for its superuser."""
    cluster = db.EmbeddedPostgres(tmp_dir)
    try:
        asyncio.run(_exec(cluster.url, "CREATE DATABASE michangarrito"))
        yield with_database(cluster.url, "michangarrito")
    finally:
        cluster.stop()
