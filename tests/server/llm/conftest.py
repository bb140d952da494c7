"""A fake LLM provider on loopback for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fakes.llm import FakeLLM


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    fake = FakeLLM().start()
    yield fake
    fake.stop()
