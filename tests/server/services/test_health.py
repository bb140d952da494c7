"""Readiness says whether the database answers."""

from __future__ import annotations

import pytest

from sync_server.services.health import database_ready

pytestmark = pytest.mark.anyio


async def test_ready_while_the_database_answers_and_not_after(pool):
    assert await database_ready(pool) is True
    await pool.close()
    assert await database_ready(pool) is False
