"""Server unit tests: the app's own RLS-bound pool on a fresh database, async tests on anyio."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from sync_server import db
from sync_server.config import Settings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "server", log_json=False,
                    jwt_secret="test-secret-" + "x" * 32)


@pytest.fixture
async def pool(anyio_backend: str, database_url: str, settings: Settings) -> AsyncIterator[db.Pool]:
    """Connections exactly as the server makes them: row-level security applies."""
    pool = await db.create_pool(settings.app_dsn(database_url), 4)
    yield pool
    await pool.close()


@pytest.fixture
async def admin(anyio_backend: str, database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """The database owner, past row-level security: for setting up and asserting only."""
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()
