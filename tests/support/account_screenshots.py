"""Pictures of Cuenta en línea for the README, from a real server (embedded PostgreSQL) whose
Stripe is the local fake: ``python -m tests.support.account_screenshots docs/screenshots``.

A shop on the Tiendita plan in its trial, two tills, MercadoPago and an LLM connected; the
owner logged in on each tab (an MCP key just made, its secret shown once; the jobs with a
daily summary's run); then the same page with the server gone (no connection)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from pos_client.services import accounts  # noqa: E402
from pos_client.services.till import Till  # noqa: E402
from pos_client.ui.backroom.account_page import AccountPage  # noqa: E402
from pos_client.ui.backroom.window import BackRoomWindow  # noqa: E402
from pos_client.ui.context import AppContext  # noqa: E402
from pos_client.ui.qt import QApplication  # noqa: E402
from pos_client.ui.worker import Worker  # noqa: E402
from shared.clock import utc_now  # noqa: E402
from sync_server.jobs.summary import DAILY_SUMMARY  # noqa: E402
from tests.support import readme_shots  # noqa: E402
from tests.support.billing import deliver_all, sign_up, stripe_server, wait_handled  # noqa: E402
from tests.support.client import PosDevice, open_device, pair  # noqa: E402
from tests.support.fakes.stripe_api import FakeStripe  # noqa: E402
from tests.support.jobs import Clock, engine  # noqa: E402
from tests.support.postgres import cluster_url, fresh_database, make_template  # noqa: E402
from tests.support.readme_shots import SIZE, save, settle  # noqa: E402

NAMES = ["cuenta-en-linea-entrar", "cuenta-en-linea-plan-y-uso", "cuenta-en-linea-dispositivos",
         "cuenta-en-linea-codigos-de-vinculacion", "cuenta-en-linea-integraciones",
         "cuenta-en-linea-bot-de-whatsapp", "cuenta-en-linea-claves-mcp",
         "cuenta-en-linea-tareas-programadas", "cuenta-en-linea-sin-conexion"]


def _window(pos: PosDevice, worker: Worker) -> tuple[BackRoomWindow, AccountPage]:
    room = BackRoomWindow(AppContext(Till(pos.db, pos.device), worker))
    room.resize(*SIZE)
    room.show()
    page = room.page("Cuenta en línea")
    assert isinstance(page, AccountPage)
    return room, page


def shoot(out: Path, tmp: Path) -> list[str]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    url = cluster_url(tmp / "pg")
    make_template(url)
    fake = FakeStripe().start()
    worker = Worker()
    tills = [open_device(tmp / f"caja-{i}.sqlite3") for i in (1, 2)]
    try:
        with fresh_database(url) as database, stripe_server(database, fake) as server:
            owner = sign_up(server)
            started = owner.checkout(kind="subscription", plan="tiendita")
            fake.complete_checkout(started["session_id"])
            deliver_all(fake)
            wait_handled(server)
            for i, pos in enumerate(tills, start=1):
                code = owner.post("/v1/account/pairing-codes").json()["code"]
                pair(pos, server.url, code, f"Caja {i}")
                accounts.save_customer(Till(pos.db, pos.device),
                                       accounts.CustomerDraft(f"Cliente de la caja {i}"))
                pos.agent.sync_once()
            owner.http.put("/v1/account/integrations/mercadopago", json={"secrets": {
                "access_token": "APP_USR-7744-demo-token-9f3a", "webhook_secret": "mpsecret-1c2d"}})
            owner.http.put("/v1/account/integrations/llm", json={
                "settings": {"provider": "anthropic", "model": "claude-sonnet"},
                "secrets": {"api_key": "sk-ant-demo-0123456789-b7e1"}})
            owner.http.put("/v1/account/bot", json={"enabled": True,
                                                    "greeting": "¡Hola! Soy el bot de la tienda."})
            owner.post("/v1/owner/mcp-keys", json={"name": "Claude en la laptop"})
            server.call(lambda pool: engine(pool, Clock(utc_now())).run_now(
                DAILY_SUMMARY, owner.tenant_id))
            room, page = _window(tills[0], worker)
            page.login.setText("dona.mary@example.mx")
            save(app, room, out, NAMES[0])
            page.password.setText("tamales-2026")
            page.log_in()
            settle(app, lambda: page.view is not None and page.network.idle
                   and page.view.devices_tab.table.rowCount() == 2, "logged in")
            view = page.view
            assert view is not None
            view.pairing_tab.new_code()
            settle(app, lambda: view.pairing_tab.code.text() != "", "a pairing code")
            view.integrations_tab.kind.setCurrentIndex(view.integrations_tab.kind.findData("llm"))
            view.keys_tab.name.setText("ChatGPT del celular")
            view.keys_tab.make_key()
            settle(app, lambda: view.keys_tab.table.rowCount() == 2
                   and view.keys_tab.secret.text() != "", "an MCP key made")
            settle(app, lambda: len(view.jobs_tab.rows) == 5
                   and view.jobs_tab.table.rowCount() == 1, "the jobs")
            for index, name in enumerate(NAMES[1:8]):
                view.tabs.setCurrentIndex(index)
                save(app, room, out, name)
            room.close()
            server.stop()
            room, page = _window(tills[0], worker)
            page.login.setText("dona.mary@example.mx")
            page.password.setText("tamales-2026")
            page.log_in()
            settle(app, lambda: "Sin conexión" in page.connection.text()
                   and "Tiendita" in page.known.text(), "offline")
            save(app, room, out, NAMES[8])
            room.close()
            page.network.shutdown()
    finally:
        worker.shutdown()
        for pos in tills:
            pos.close()
        fake.stop()
    return NAMES


def main(argv: list[str] | None = None) -> int:
    return readme_shots.main(shoot, argv, "Cuenta en línea", "michangarrito-account-")


if __name__ == "__main__":
    sys.exit(main())
