"""The server's benchmarks that build their own data still run against today's schema and tools
(the assistant's writes a year of sales by COPY, so a new column or tool would break it silently
until someone measures). On a few days of sales; figures are not checked here: numbers are
measured by `python -m benchmarks assistant.tools`, never asserted by a test."""

from __future__ import annotations

import pytest

from benchmarks.assistant_tools import measure
from sync_server.tools.registry import TOOLS

pytestmark = pytest.mark.anyio


async def test_the_assistant_tools_benchmark_runs_every_read_tool(database_url):
    found = await measure(database_url, days=3, tickets_per_day=10, runs=2)
    assert found.pop("tickets") > 0
    assert found.pop("baseline") > 0
    assert set(found) == {name for name, tool in TOOLS.items() if not tool.write}
    assert all(ms > 0 for ms in found.values())
