"""Cuenta en línea → Datos fiscales on a real server: bad fiscal data refused in Spanish before
anything is sent, the shop's data and preferences saved, the CSD's files sent (a wrong password
refused by the server) and shown back only by number, RFC and validity, a warning before it
expires, and no connection said plainly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pos_client.ui.backroom.account_page import AccountPage
from pos_client.ui.backroom.fiscal_tab import FiscalTab
from tests.client.ui import test_account_page as account
from tests.support.cfdi_http import csd
from tests.support.fakes.csd import MadeCsd, make_csd

pytestmark = pytest.mark.e2e
__all__ = ["csd"]  # the session's self-made CSD (a fixture)

# The signed-up owner, the paired till and its Cuenta en línea page: the account page's own.
owner, till_pos, page = account.owner, account.till_pos, account.page


def _tab(qtbot, page: AccountPage) -> FiscalTab:
    account._log_in(qtbot, page)
    assert page.view is not None
    tab = page.view.fiscal_tab
    qtbot.waitUntil(lambda: tab.setup is not None and page.network.idle, timeout=15_000)
    return tab


def _settle(qtbot, page: AccountPage) -> None:
    qtbot.waitUntil(lambda: page.network.idle, timeout=15_000)
    qtbot.wait(0)  # the answer's slot runs on the Qt thread


def _fill(tab: FiscalTab, rfc: str, name: str, regime: str, cp: str, series: str = "F") -> None:
    tab.rfc.setText(rfc)
    tab.name.setText(name)
    tab.regime.setCurrentIndex(tab.regime.findData(regime))
    tab.postal_code.setText(cp)
    tab.series.setText(series)


def _files(tmp_path: Path, made: MadeCsd, tab: FiscalTab) -> None:
    (tmp_path / "csd.cer").write_bytes(made.certificate)
    (tmp_path / "csd.key").write_bytes(made.key)
    chosen = iter([str(tmp_path / "csd.cer"), str(tmp_path / "csd.key")])
    tab.pick_file = lambda title, pattern: next(chosen)
    tab._choose(tab.cer_path, "*.cer")
    tab._choose(tab.key_path, "*.key")


def test_bad_fiscal_data_is_refused_before_sending_and_good_data_is_saved(qtbot, page, owner, csd):
    tab = _tab(qtbot, page)
    assert "todavía no factura" in tab.state.text()
    message = page.view.message  # type: ignore[union-attr]

    _fill(tab, "EKU9003173C8", csd.name, "601", "76028")  # wrong check digit
    tab.save_profile_button.click()
    assert "dígito verificador" in message.text()
    _fill(tab, csd.rfc, csd.name, "605", "76028")  # sueldos y salarios: not a company's
    tab.save_profile_button.click()
    assert "no corresponde a una persona moral" in message.text()
    _fill(tab, csd.rfc, csd.name, "601", "7602")
    tab.save_profile_button.click()
    assert "5 dígitos" in message.text()
    _fill(tab, csd.rfc, csd.name, "601", "76028", series="F-1")
    tab.save_profile_button.click()
    assert "serie" in message.text()
    assert page.network.idle
    assert owner.get("/v1/cfdi/setup").json()["profile"] is None  # nothing reached the server

    _fill(tab, csd.rfc.lower(), csd.name, "601", "76028", series="a")
    tab.save_profile_button.click()
    _settle(qtbot, page)
    assert message.text() == "Datos fiscales guardados."
    saved = owner.get("/v1/cfdi/setup").json()["profile"]
    assert (saved["rfc"], saved["regime"], saved["series"]) == (csd.rfc, "601", "A")
    assert csd.rfc in tab.state.text()

    tab.periodicity.setCurrentIndex(tab.periodicity.findData("semanal"))
    tab.window_days.setValue(10)
    tab.card_forma.setCurrentIndex(tab.card_forma.findData("28"))
    tab.save_preferences_button.click()
    _settle(qtbot, page)
    assert owner.get("/v1/cfdi/setup").json()["preferences"] == {
        "periodicity": "semanal", "window_days": 10, "card_forma": "28"}


def test_the_csd_goes_to_the_server_and_only_its_description_comes_back(
        qtbot, page, owner, csd, tmp_path):
    tab = _tab(qtbot, page)
    message = page.view.message  # type: ignore[union-attr]
    tab.send_csd_button.click()
    assert "Primero guarda los datos fiscales" in message.text()
    _fill(tab, csd.rfc, csd.name, "601", "76028")
    tab.save_profile_button.click()
    _settle(qtbot, page)

    tab.send_csd_button.click()
    assert "Elige los dos archivos" in message.text()
    _files(tmp_path, csd, tab)
    tab.send_csd_button.click()
    assert "contraseña" in message.text()
    qtbot.keyClicks(tab.csd_password, "otra-cosa")
    tab.send_csd_button.click()
    _settle(qtbot, page)
    assert "contraseña" in message.text()  # the server's refusal, in Spanish
    assert owner.get("/v1/cfdi/setup").json()["csd"] is None

    qtbot.keyClicks(tab.csd_password, csd.password)
    tab.send_csd_button.click()
    _settle(qtbot, page)
    assert "CSD guardado" in message.text()
    assert tab.csd_password.text() == ""
    shown = tab.csd_state.text()
    assert "30001000000500003416" in shown
    assert csd.rfc in shown
    assert "vigente hasta" in shown
    assert csd.password not in shown
    assert tab.warnings.text() == ""


def test_a_csd_near_its_end_is_warned(qtbot, page, tmp_path):
    ending = make_csd(valid_from=dt.datetime.now(dt.UTC) - dt.timedelta(days=300), days=310)
    tab = _tab(qtbot, page)
    _fill(tab, ending.rfc, ending.name, "601", "76028")
    tab.save_profile_button.click()
    _settle(qtbot, page)
    _files(tmp_path, ending, tab)
    qtbot.keyClicks(tab.csd_password, ending.password)
    tab.send_csd_button.click()
    _settle(qtbot, page)
    assert "vence" in tab.warnings.text().lower()


def test_offline_it_says_so(qtbot, page, csd):
    tab = _tab(qtbot, page)
    assert page.view is not None
    page.view.account.server_url = "http://127.0.0.1:9"  # nothing listens there
    _fill(tab, csd.rfc, csd.name, "601", "76028")
    tab.save_profile_button.click()
    _settle(qtbot, page)
    assert "Sin conexión" in page.connection.text()
    assert "Sin conexión con el servidor" in page.view.message.text()


def test_the_pac_account_is_saved_sealed_and_its_password_never_comes_back(qtbot, page, owner):
    tab = _tab(qtbot, page)
    message = page.view.message  # type: ignore[union-attr]
    assert "Sin PAC" in tab.pac_state.text()
    tab.pac_user.setText("tienda@example.mx")
    tab.save_pac_button.click()
    assert "usuario y la contraseña" in message.text()  # the first time both are needed
    assert owner.get("/v1/cfdi/setup").json()["pac"] is None

    qtbot.keyClicks(tab.pac_password, "clave-del-pac-7781")
    tab.save_pac_button.click()
    _settle(qtbot, page)
    assert message.text() == "Cuenta del PAC guardada en el servidor, cifrada."
    assert (tab.pac_user.text(), tab.pac_password.text()) == ("", "")
    pac = owner.get("/v1/cfdi/setup").json()["pac"]
    assert pac["settings"] == {"provider": "finkok", "environment": "test"}
    assert pac["secrets"] == {"username": "••••e.mx", "password": "••••"}  # not even its end
    assert "7781" not in owner.get("/v1/cfdi/setup").text
    shown = tab.pac_state.text()
    assert "pruebas" in shown
    assert "contraseña guardada" in shown
    assert "clave-del-pac" not in shown

    # To production without retyping: the stored user and password stay.
    tab.pac.setCurrentIndex(tab.pac.findData("finkok production"))
    tab.save_pac_button.click()
    _settle(qtbot, page)
    pac = owner.get("/v1/cfdi/setup").json()["pac"]
    assert pac["settings"]["environment"] == "production"
    assert set(pac["secrets"]) == {"username", "password"}
    assert "producción" in tab.pac_state.text()
    assert tab.pac.currentData() == "finkok production"


def test_the_pac_account_offline_says_so(qtbot, page):
    tab = _tab(qtbot, page)
    assert page.view is not None
    page.view.account.server_url = "http://127.0.0.1:9"  # nothing listens there
    tab.pac_user.setText("tienda@example.mx")
    qtbot.keyClicks(tab.pac_password, "clave-del-pac-7781")
    tab.save_pac_button.click()
    _settle(qtbot, page)
    assert "Sin conexión con el servidor" in page.view.message.text()
