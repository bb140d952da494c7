"""Cuenta en línea, the back room's section for the shop's online account, on a real server:
logging in and seeing the plan, a wrong password, no connection (and the plan known offline),
revoking a device, a pairing code, an integration saved and shown masked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pos_client.services import accounts
from pos_client.services.till import Till
from pos_client.ui.backroom.account_page import AccountPage
from pos_client.ui.backroom.window import BackRoomWindow
from pos_client.ui.context import AppContext
from pos_client.ui.qt import QTableWidget
from pos_client.ui.worker import Worker
from tests.support.billing import OwnerApi, put_on_plan, sign_up
from tests.support.client import PosDevice, pair

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "dona.mary@example.mx", "tamales-2026"


@pytest.fixture
def owner(server) -> Iterator[OwnerApi]:
    api = sign_up(server, EMAIL)
    yield api
    api.http.close()


def _pair(owner: OwnerApi, pos: PosDevice, name: str) -> None:
    pair(pos, owner.server.url, owner.post("/v1/account/pairing-codes").json()["code"], name)
    assert pos.agent.sync_once().pending == 0  # the plan record arrives with the first pull


@pytest.fixture
def till_pos(owner, new_device) -> PosDevice:
    pos = new_device("caja-1")
    _pair(owner, pos, "Caja 1")
    return pos


@pytest.fixture
def page(qtbot, till_pos) -> Iterator[AccountPage]:
    worker = Worker()
    room = BackRoomWindow(AppContext(Till(till_pos.db, till_pos.device), worker))
    qtbot.addWidget(room)
    found = room.page("Cuenta en línea")
    assert isinstance(found, AccountPage)
    yield found
    found.network.shutdown()
    worker.shutdown()


def _log_in(qtbot, page: AccountPage, password: str = PASSWORD) -> None:
    page.login.setText(EMAIL)
    qtbot.keyClicks(page.password, password)
    page.enter.click()
    qtbot.waitUntil(lambda: page.network.idle and page.enter.isEnabled(), timeout=15_000)


def _cells(table: QTableWidget) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def test_online_the_owner_logs_in_and_sees_plan_and_usage(qtbot, page):
    qtbot.waitUntil(lambda: "Gratis" in page.known.text())
    _log_in(qtbot, page)
    assert page.view is not None
    tab = page.view.plan_tab
    qtbot.waitUntil(lambda: "Gratis" in tab.summary.text() and tab.usage.rowCount() == 5,
                    timeout=15_000)
    assert not page.known.isVisible()
    assert "Abarrotes Doña Mary" in tab.summary.text()
    rows = tab.usage_rows
    assert rows["Cajas vinculadas"] == "1 de 1"
    assert rows["Bot de WhatsApp"] == "no incluido"
    assert [tab.plans.itemText(i) for i in range(tab.plans.count())] == [
        "Changarrito — $99.00 al mes", "Tiendita — $199.00 al mes"]
    assert "En línea" in page.connection.text()
    assert page.password.text() == ""  # not kept once used


def test_a_wrong_password_says_so_in_spanish(qtbot, page):
    _log_in(qtbot, page, "no-es-esta")
    assert page.view is None
    assert page.message.text() == "Correo, teléfono o contraseña incorrectos."
    assert "En línea" in page.connection.text()


def test_offline_it_says_so_plainly_and_shows_the_plan_it_knows(qtbot, page, server):
    server.stop()
    _log_in(qtbot, page)
    assert page.view is None
    assert "Sin conexión" in page.connection.text()
    assert "La caja sigue vendiendo" in page.connection.text()
    assert "Sin conexión con el servidor" in page.message.text()
    qtbot.waitUntil(lambda: "Plan según la última sincronización: Gratis" in page.known.text())


def test_revoking_a_device(qtbot, page, owner, new_device):
    owner.server.call(lambda pool: put_on_plan(pool, owner.tenant_id, "changarrito"))
    second = new_device("caja-2")
    _pair(owner, second, "Caja 2")
    accounts.save_customer(Till(second.db, second.device), accounts.CustomerDraft("Lupita"))
    assert second.agent.sync_once().pending == 0
    _log_in(qtbot, page)
    assert page.view is not None
    tab = page.view.devices_tab
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2, timeout=15_000)
    assert [row[:2] + row[3:] for row in _cells(tab.table)] == [
        ["Caja 1", "C1", "Activa"], ["Caja 2", "C2", "Activa"]]
    # When each last synced: both pulled when paired (a pull counts, not only a push).
    assert all(row[2] != "—" for row in _cells(tab.table))
    tab.table.selectRow(1)
    tab.ask_revoke()
    assert tab.confirm is not None
    tab.confirm_yes.click()
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2 and tab.table.item(1, 3).text()
                    == "Dada de baja", timeout=15_000)
    assert "«Caja 2» quedó dada de baja." in page.view.message.text()
    assert [d["revoked"] for d in owner.get("/v1/account/devices").json()] == [False, True]


def test_a_pairing_code_and_an_integration_shown_masked(qtbot, page, owner):
    _log_in(qtbot, page)
    assert page.view is not None
    view = page.view
    view.pairing_tab.new_code()  # Gratis allows one till and it has one: the server says so
    qtbot.waitUntil(lambda: "Tu plan Gratis permite 1 caja" in view.message.text(),
                    timeout=15_000)
    assert view.pairing_tab.code.text() == ""
    owner.server.call(lambda pool: put_on_plan(pool, owner.tenant_id, "changarrito"))
    view.pairing_tab.new_code()
    qtbot.waitUntil(lambda: view.pairing_tab.code.text() != "", timeout=15_000)
    assert len(view.pairing_tab.code.text()) == 9  # ABCD-2345
    assert "sirve una sola vez" in view.pairing_tab.expires.text()

    tab = view.integrations_tab
    qtbot.waitUntil(lambda: tab.kind.count() == 5, timeout=15_000)
    tab.kind.setCurrentIndex(tab.kind.findData("llm"))
    tab.fields[("settings", "provider")].setCurrentText("anthropic")
    tab.fields[("settings", "model")].setText("claude-sonnet")
    tab.fields[("secrets", "api_key")].setText("sk-ant-0123456789SECRETabcd")
    tab.save()
    qtbot.waitUntil(lambda: "••••abcd" in tab.saved.text(), timeout=15_000)
    assert "SECRET" not in tab.saved.text()
    assert tab.fields[("secrets", "api_key")].text() == ""
    assert "••••abcd" in tab.fields[("secrets", "api_key")].placeholderText()
