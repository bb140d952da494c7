"""Invoicing tests: a self-made CSD (made once per run, never committed), the fake PAC on
loopback, and a shop set up to invoice through the real use cases."""

from __future__ import annotations

import pytest

from sync_server.config import Settings
from tests.support import cfdi_http
from tests.support.cfdi import InvoicingShop, invoicing_shop

csd, fake_pac, cfdi_server = cfdi_http.csd, cfdi_http.fake_pac, cfdi_http.cfdi_server


@pytest.fixture
def cfdi_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"cfdi_allow_pac_host": True, "cfdi_pac_timeout_s": 2.0,
                                       "cfdi_retry_base_s": 0.0, "cfdi_stamp_wait_s": 5.0})


@pytest.fixture
async def shop(pool, cfdi_settings, csd, fake_pac) -> InvoicingShop:
    return await invoicing_shop(pool, cfdi_settings, csd, fake_pac)
