"""The assistant of the tools' test shop, its LLM provider pointed at a fake on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sync_server.bot.assistant import Assistant
from sync_server.integrations.llm.providers import make_provider
from sync_server.integrations.vault import Vault
from sync_server.services import llm_config
from sync_server.services.integrations import Integrations
from sync_server.services.tokens import TokenMeter, fixed_plan
from tests.server.tools import conftest as tools
from tests.server.tools.conftest import NOW
from tests.support.fakes.llm import FakeLLM

catalog, shop, other_shop = tools.catalog, tools.shop, tools.other_shop  # the tools' fixtures


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    fake = FakeLLM().start()
    yield fake
    fake.stop()


class Bot:
    """The assistant under test, with what it told the owner."""

    def __init__(self, under_test: Any, fake: FakeLLM, allowance: int = 300) -> None:
        self.shop, self.fake = under_test, fake
        self.integrations = Integrations(under_test.pool, Vault([Vault.new_key()]))
        self.meter = TokenMeter(under_test.pool, fixed_plan("Básico", allowance), 1000,
                                clock=lambda: NOW)
        self.told: list[str] = []

        async def tell(_tenant: Any, text: str) -> None:
            self.told.append(text)

        self.assistant = Assistant(
            under_test.env, self.integrations, self.meter, notify_owner=tell, call_timeout_s=2,
            deadline_s=10, provider_for=lambda cfg, t: make_provider(cfg, timeout_s=t, strict=True))

    async def use(self, provider: str = "openai") -> None:
        base = self.fake.url if provider == "anthropic" else self.fake.url + "/v1"
        await llm_config.save(self.integrations, self.shop.tenant_id,
                              {"provider": provider, "model": "modelo-tienda", "base_url": base},
                              "sk-tienda-0000-1111")


@pytest.fixture
async def bot(shop: Any, fake_llm: FakeLLM) -> Bot:
    made = Bot(shop, fake_llm)
    await made.use()
    return made
