"""Invoicing tests: a self-made CSD (made once per run, never committed), the fake PAC on
loopback, and a shop set up to invoice through the real use cases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sync_server.config import Settings
from tests.support.cfdi import InvoicingShop, invoicing_shop
from tests.support.fakes.csd import MadeCsd, make_csd
from tests.support.fakes.pac import FakePac


@pytest.fixture(scope="session")
def csd() -> MadeCsd:
    return make_csd()


@pytest.fixture
def fake_pac() -> Iterator[FakePac]:
    pac = FakePac().start()
    yield pac
    pac.stop()


@pytest.fixture
def cfdi_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"cfdi_allow_pac_host": True, "cfdi_pac_timeout_s": 2.0,
                                       "cfdi_retry_base_s": 0.0, "cfdi_stamp_wait_s": 5.0})


@pytest.fixture
async def shop(pool, cfdi_settings, csd, fake_pac) -> InvoicingShop:
    return await invoicing_shop(pool, cfdi_settings, csd, fake_pac)
