"""Cuenta en línea, the back room's section for the shop's online account, on a real server:
logging in and seeing the plan, a wrong password, no connection (and the plan known offline),
revoking a device, a pairing code, an integration saved and shown masked; MCP keys made (the
secret shown once, copied), listed masked and revoked after a confirmation; the scheduled jobs
turned on or off and moved in time, refused in the quiet hours, with their latest runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from pos_client.services import accounts
from pos_client.services.till import Till
from pos_client.ui.backroom.account_page import AccountPage
from pos_client.ui.qt import QApplication, QTableWidget, QTime
from shared.clock import utc_now
from sync_server.jobs.summary import DAILY_SUMMARY
from sync_server.services import mcp_keys
from tests.support.account_page import account_page, log_in
from tests.support.billing import OwnerApi, put_on_plan, sign_up
from tests.support.client import PosDevice, pair
from tests.support.jobs import Clock, engine

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
    with account_page(qtbot, till_pos) as found:
        yield found


def _log_in(qtbot, page: AccountPage, password: str = PASSWORD) -> None:
    log_in(qtbot, page, EMAIL, password)


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


def test_every_tab_fits_the_smallest_screen(qtbot, page):
    """Logged in, the page (every tab, the fiscal form's too) asks for no more than the
    back room's share of a 1024×600 screen: a taller tab would push the window off it."""
    _log_in(qtbot, page)
    assert page.view is not None
    tabs = page.view.tabs
    hints = {tabs.tabText(i): tabs.widget(i).minimumSizeHint() for i in range(tabs.count())}
    too_big = {name: (h.width(), h.height()) for name, h in hints.items()
               if h.width() > 760 or h.height() > 440}
    assert too_big == {}


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


def test_mcp_keys_made_shown_once_listed_masked_and_revoked(qtbot, page, owner):
    _log_in(qtbot, page)
    assert page.view is not None
    view, tab = page.view, page.view.keys_tab
    assert tab.table.rowCount() == 0

    tab.make_key()  # no name: said before asking the server
    qtbot.waitUntil(lambda: "Escribe un nombre" in view.message.text(), timeout=15_000)
    tab.name.setText("Claude de la casa")
    tab.can_write.setChecked(True)
    tab.create_button.click()
    qtbot.waitUntil(lambda: not tab.secret_box.isHidden() and tab.table.rowCount() == 1,
                    timeout=15_000)
    token = tab.secret.text()
    assert token.startswith("mchk1.")
    assert len(token) > 60
    assert "no se vuelve a mostrar" in tab.warning.text()
    [row] = _cells(tab.table)
    name, hint, scope, created, last_used, state = row
    assert (name, scope, last_used, state) == (
        "Claude de la casa", "consultar y cambiar", "nunca", "Vigente")
    assert hint.endswith(token[-4:])
    assert token.split(".")[-1] not in hint
    assert created != "—"
    assert (tab.name.text(), tab.can_write.isChecked()) == ("", False)
    tab.copy_button.click()
    assert QApplication.clipboard().text() == token

    # The owner's AI app uses it: the list tells when it was last used.
    used = owner.server.call(lambda pool: mcp_keys.authenticate(pool, token))
    assert used is not None
    assert used.can_write
    tab.load()
    qtbot.waitUntil(lambda: tab.table.item(0, 4).text() != "nunca", timeout=15_000)

    tab.table.selectRow(0)
    tab.ask_revoke()
    assert tab.confirm is not None
    assert "Claude de la casa" in tab.confirm.text()
    tab.confirm_no.click()  # changed their mind: nothing happens
    assert owner.server.call(lambda pool: mcp_keys.authenticate(pool, token)) is not None
    tab.ask_revoke()
    tab.confirm_yes.click()
    qtbot.waitUntil(lambda: tab.table.item(0, 5).text() == "Revocada", timeout=15_000)
    assert "quedó revocada" in view.message.text()
    assert tab.secret_box.isHidden()
    assert tab.secret.text() == ""
    assert owner.server.call(lambda pool: mcp_keys.authenticate(pool, token)) is None
    assert [k["revoked"] for k in owner.get("/v1/owner/mcp-keys").json()] == [True]
    tab.ask_revoke()  # a revoked key cannot be revoked again
    assert "Elige una clave vigente" in view.message.text()


def test_scheduled_jobs_set_from_the_back_room_with_their_latest_runs(qtbot, page, owner):
    owner.server.call(lambda pool: engine(pool, Clock(utc_now())).run_now(
        DAILY_SUMMARY, owner.tenant_id))
    _log_in(qtbot, page)
    assert page.view is not None
    view, tab = page.view, page.view.jobs_tab
    qtbot.waitUntil(lambda: len(tab.rows) == 5 and tab.table.rowCount() == 1, timeout=15_000)
    rows = tab.rows
    assert {k: (r.enabled.isChecked(), r.at()) for k, r in rows.items()} == {
        "daily_summary": (True, "21:30"), "low_stock": (True, "21:00"),
        "fiado_reminders": (False, "10:00"), "stale_till": (True, None),
        "plan_notices": (True, "10:00")}
    assert rows["fiado_reminders"].quiet.text() == "Horas de silencio: 21:00–09:00"
    assert rows["daily_summary"].quiet.text() == ""
    assert rows["stale_till"].time is None
    assert rows["stale_till"].when.text() == "cada hora"
    [run] = _cells(tab.table)
    assert (run[0], run[2], run[3]) == ("Resumen del día", "No se envió", "no hubo movimiento")
    assert (tab.table.item(0, 3).toolTip() or "").startswith("Resumen de ")

    summary_time = rows["daily_summary"].time
    assert summary_time is not None
    summary_time.setTime(QTime(22, 15))
    rows["stale_till"].enabled.setChecked(False)
    tab.save_button.click()
    qtbot.waitUntil(lambda: "Tareas guardadas" in view.message.text(), timeout=15_000)
    assert "Resumen del día" in view.message.text()
    assert "Existencias bajas" not in view.message.text()  # unchanged: not sent
    saved = {j["job"]: (j["enabled"], j["at"]) for j in owner.get("/v1/account/jobs").json()}
    assert saved["daily_summary"] == (True, "22:15")
    assert saved["stale_till"] == (False, None)
    qtbot.waitUntil(lambda: not tab.rows["stale_till"].changed()
                    and not tab.rows["stale_till"].enabled.isChecked(), timeout=15_000)

    # Reminders reach customers: the server refuses the quiet hours and the screen says why.
    reminders = tab.rows["fiado_reminders"]
    assert reminders.time is not None
    reminders.enabled.setChecked(True)
    reminders.time.setTime(QTime(22, 0))
    tab.save()
    qtbot.waitUntil(lambda: "entre las 09:00 y las 21:00" in view.message.text(),
                    timeout=15_000)
    assert {j["job"]: (j["enabled"], j["at"]) for j in owner.get("/v1/account/jobs").json()}[
        "fiado_reminders"] == (False, "10:00")

    reminders.time.setTime(QTime(10, 0))
    reminders.enabled.setChecked(False)
    tab.save()
    assert view.message.text() == "No hay cambios que guardar."


def test_keys_and_jobs_say_plainly_when_offline(qtbot, page, server):
    _log_in(qtbot, page)
    assert page.view is not None
    view = page.view
    qtbot.waitUntil(lambda: len(view.jobs_tab.rows) == 5, timeout=15_000)
    server.stop()
    view.keys_tab.name.setText("Claude")
    view.keys_tab.make_key()
    qtbot.waitUntil(lambda: "Sin conexión con el servidor" in view.message.text(),
                    timeout=15_000)
    assert "La caja sigue vendiendo" in page.connection.text()
    assert view.keys_tab.secret_box.isHidden()
    view.message.clear()
    view.jobs_tab.rows["low_stock"].enabled.setChecked(False)
    view.jobs_tab.save()
    qtbot.waitUntil(lambda: "Sin conexión con el servidor" in view.message.text(),
                    timeout=15_000)


def test_a_run_skipped_after_downtime_is_not_called_sent(qtbot, page, owner):
    """A late run that sent nothing (too late, missed) says why, never "enviado tarde"."""
    tz = ZoneInfo(owner.account()["timezone"])
    yesterday = utc_now().astimezone(tz).date() - timedelta(days=1)
    # The server comes back 13 hours after the summary's 21:30: too late to send it.
    back = datetime.combine(yesterday, time(21, 30), tz) + timedelta(hours=13)
    owner.server.call(lambda pool: engine(pool, Clock(back)).tick(back))
    _log_in(qtbot, page)
    assert page.view is not None
    tab = page.view.jobs_tab
    qtbot.waitUntil(lambda: tab.table.rowCount() > 0, timeout=15_000)
    rows = {r[0]: r for r in _cells(tab.table)}
    assert rows["Resumen del día"][2:] == ["No se envió", "demasiado tarde para enviarlo"]
    for title, _, result, detail in rows.values():
        assert result == "Enviado" or "enviado tarde" not in detail, (title, result, detail)
