"""At the till, beside a customer's statement: "pendiente de confirmar" until the customer writes
to the shop's WhatsApp or sends a code; the cashier gets the code with one button, the customer
sends it from their phone, and the page then says they are confirmed."""

from __future__ import annotations

import pytest

from pos_client.services import accounts
from pos_client.ui.backroom.customers_page import CustomersPage
from pos_client.ui.context import AppContext
from pos_client.ui.qt import Qt
from pos_client.ui.worker import Worker
from tests.support.server import ServerHarness
from tests.support.whatsapp import (
    SHOP_NUMBER_ID,
    message,
    post,
    settings_for,
    shop_owns_number,
    wait_handled,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(database_url, graph):
    harness = ServerHarness(database_url, **settings_for(graph))
    harness.start()
    yield harness
    harness.stop()


@pytest.fixture
def ctx(server, shop, paired_device):
    shop_owns_number(server, shop.tenant_id)
    pos = paired_device("caja-1")
    accounts.save_customer(pos.till, accounts.CustomerDraft(
        "Guadalupe Hernández", "55 1234 5678", "500"))
    pos.agent.sync_once()
    context = AppContext(pos.till, Worker())
    yield context
    context.worker.shutdown()
    context.print_worker.shutdown()


def test_pending_until_the_customer_sends_the_code_from_their_whatsapp(qtbot, server, ctx):
    page = CustomersPage(ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.table.selectRow(0)
    page.open_statement()
    consent = page.consent
    qtbot.waitUntil(lambda: consent.state is not None, timeout=10_000)
    assert consent.state == "pendiente_de_confirmar"
    assert "pendiente de confirmar" in consent.label.text()
    assert consent.confirm_button.isVisible()

    qtbot.mouseClick(consent.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: consent.code_dialog is not None, timeout=10_000)
    code = consent.code_dialog.code_label.text()
    assert len(code) == 6
    assert code.isdigit()

    post(server, message(code, wa_id="5215512345678", number=SHOP_NUMBER_ID))  # from her phone
    wait_handled(server)
    consent.code_dialog.accept()  # "Listo": the page asks again
    qtbot.waitUntil(lambda: consent.state == "confirmado", timeout=10_000)
    assert "confirmado" in consent.label.text()
    assert not consent.confirm_button.isVisible()


def test_a_till_that_cannot_reach_the_server_says_so(qtbot, server, ctx):
    server.stop()
    page = CustomersPage(ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.table.selectRow(0)
    page.open_statement()
    qtbot.waitUntil(lambda: "sin conexión" in page.consent.label.text(), timeout=15_000)
    assert page.consent.state is None
    assert not page.consent.confirm_button.isVisible()
