"""Pictures of invoicing for the README, from a real server (embedded PostgreSQL) whose PAC is the
local fake and whose shop signs with a CSD made on this machine:
``python -m tests.support.invoice_screenshots docs/screenshots``.

One paired till pushes its sales through the real push: a daily global issued for two days
ago, yesterday's still waiting for the till, sales invoiced at the counter (one rung at the till
and invoiced from its sales history, Facturar), a fiado sale invoiced PPD and the payment
complement of its abono, a return's credit note, and one credit note the PAC refused. Then
Trastienda → Facturas (issued, the pending global, the refused one with «Reintentar ahora», the
Cancelar… dialog with motive 01) and Cuenta en línea → Datos fiscales (the CSD shown back only
as number, RFC and validity)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import httpx  # noqa: E402

from pos_client.services.catalog import load_starter  # noqa: E402
from pos_client.services.sales import record_sale  # noqa: E402
from pos_client.services.staff import Cashier  # noqa: E402
from pos_client.services.till import Till  # noqa: E402
from pos_client.sync import invoicing  # noqa: E402
from pos_client.ui.backroom.account_page import AccountPage  # noqa: E402
from pos_client.ui.backroom.invoices_page import InvoicesPage  # noqa: E402
from pos_client.ui.backroom.window import BackRoomWindow  # noqa: E402
from pos_client.ui.context import AppContext, Session  # noqa: E402
from pos_client.ui.qt import QApplication, QScrollArea  # noqa: E402
from pos_client.ui.sales_history import SalesHistoryDialog  # noqa: E402
from pos_client.ui.worker import Worker  # noqa: E402
from shared.catalog import load_starter_catalog  # noqa: E402
from shared.ids import new_uuid7  # noqa: E402
from shared.permissions import Role  # noqa: E402
from shared.sale import PaymentMethod, Tender  # noqa: E402
from shared.sync.envelopes import Change  # noqa: E402
from shared.sync.invoices import InvoiceMonth  # noqa: E402
from shared.sync.payloads import SalePayload  # noqa: E402
from tests.support import readme_shots  # noqa: E402
from tests.support.cfdi import Item, sale, sale_id_of  # noqa: E402
from tests.support.cfdi_http import owner_setup, push, pusher  # noqa: E402
from tests.support.client import PosDevice, open_device, pair  # noqa: E402
from tests.support.fakes.csd import make_csd  # noqa: E402
from tests.support.fakes.pac import FakePac  # noqa: E402
from tests.support.postgres import cluster_url, fresh_database, make_template  # noqa: E402
from tests.support.readme_shots import SIZE, save, settle  # noqa: E402
from tests.support.sales import ticket_for  # noqa: E402
from tests.support.server import ServerHarness  # noqa: E402
from tests.support.wait import wait_until  # noqa: E402
from tests.support.wire_changes import TillChanges  # noqa: E402

NAMES = ["trastienda-facturas-emitidas", "trastienda-facturas-globales-pendientes",
         "trastienda-facturas-con-error", "trastienda-facturas-cancelar",
         "cuenta-en-linea-datos-fiscales", "venta-facturar"]
OWNER = ("maria@example.mx", "tamales-de-rajas-2026")  # cfdi_http.owner_setup's sign-up
ZONE = ZoneInfo("America/Mexico_City")
# SAT's test RFCs (valid check digits), as customers of the shop.
INGRID = {"rfc": "XOJI740919U48", "name": "Ingrid Xodar Jiménez", "postal_code": "76028",
          "regime": "612", "uso": "G03"}
IFRIT = {"rfc": "IIA040805DZ4", "name": "Industrias Ifrit", "postal_code": "76028",
         "regime": "601", "uso": "G03"}
XOCHILT = {"rfc": "CACX7605101P8", "name": "Xochilt Casas Chávez", "postal_code": "76028",
           "regime": "612", "uso": "G03"}
KARLA = {"rfc": "FUNK671228PH6", "name": "Karla Fuente Nolasco", "postal_code": "76028",
         "regime": "612", "uso": "G01"}
COKE, GARRAFON = "7501055300075", "7501055003082"  # in the starter catalog
REFUSAL = ("CFDI40147", "El RFC del receptor no se encuentra en la lista del SAT")


def _month(pos: PosDevice) -> InvoiceMonth:
    today = datetime.now(ZONE)
    return invoicing.month(pos.device, today.year, today.month)


def _kinds(month: InvoiceMonth, status: str = "stamped") -> list[str]:
    return sorted(v.kind for v in month.issued if v.status == status)


def _sold(change: Change) -> SalePayload:
    assert isinstance(change.payload, SalePayload)
    return change.payload


def _invoiced(till: httpx.Client, changes: TillChanges, items: list[Item],
              receptor: dict[str, str], payments: list[tuple[str, int]] | None = None,
              customer: uuid.UUID | None = None) -> uuid.UUID:
    """A sale pushed by the till and invoiced at the counter (stamped); the sale's id."""
    ticket = sale(changes, items, payments, customer_id=customer)
    if customer is None:
        push(till, ticket)
    else:  # the customer first, then the sale and its charge to their fiado, as a till sends them
        push(till, changes.customer(receptor["name"], customer_id=customer), ticket,
             changes.change("fiado_charge", {
                 "id": new_uuid7(), "customer_id": customer, "amount": _sold(ticket).total,
                 "sale_id": sale_id_of(ticket), "charged_at": datetime.now(UTC).isoformat()}))
    r = till.post("/v1/invoices", json={"sale_id": str(sale_id_of(ticket)), "receptor": receptor})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "stamped", r.text
    return sale_id_of(ticket)


def _days_ago_sales(till: httpx.Client, changes: TillChanges) -> None:
    """Cash sales two days ago and yesterday (noon, the shop's time): two daily globals."""
    for back, baskets in ((2, [[Item("Refresco 600 ml", 1800), Item("Sabritas", 2100)],
                               [Item("Leche 1 l", 2890)], [Item("Huevo", 4200, 1500)]]),
                          (1, [[Item("Pan blanco", 4500)], [Item("Café soluble", 6900)]])):
        noon = (datetime.now(ZONE) - timedelta(days=back)).replace(hour=12, minute=0)
        push(till, *[sale(changes, items, sold_at=noon.astimezone(UTC)) for items in baskets])


def _issue_oldest_global(pos: PosDevice) -> None:
    """The owner issues the older day's global without waiting for the till (its button)."""
    oldest = min(_month(pos).pending_globals, key=lambda g: g.period_start)
    invoicing.issue_global(pos.device, oldest.period_start,
                           [t.device_id for t in oldest.missing_tills])


def _counter_sale(pos: PosDevice) -> None:
    """A sale rung at this till from its starter catalog and pushed as its sync pushes (no pull:
    yesterday's global keeps waiting for this till)."""
    load_starter(pos.till, load_starter_catalog()[:10])
    ticket = ticket_for(pos.db, COKE, 2)
    ticket.add(ticket_for(pos.db, GARRAFON).lines[0])
    record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    pos.agent.push_all()


def _facturar(app: QApplication, ctx: AppContext, pos: PosDevice, out: Path) -> None:
    """The counter's Facturar (F8) in the sales history, for the customer there, stamped."""
    _counter_sale(pos)
    history = SalesHistoryDialog(ctx)
    history.show()
    settle(app, lambda: ctx.worker.idle and history.model.rowCount() == 1, "the sales history")
    history.view.selectRow(0)
    history.invoice_button.click()
    dialog = history.invoice_dialog
    assert dialog is not None
    dialog.rfc.setText(INGRID["rfc"])
    dialog.name.setText(INGRID["name"])
    dialog.postal_code.setText(INGRID["postal_code"])
    dialog.regime.setCurrentIndex(dialog.regime.findData(INGRID["regime"]))
    dialog.submit()
    settle(app, lambda: dialog.answer is not None and "timbrada" in dialog.message.text(),
           "the counter's invoice")
    save(app, dialog, out, NAMES[5])
    dialog.accept()
    history.reject()


def _invoices(app: QApplication, pos: PosDevice, server: ServerHarness, pac: FakePac,
              api: httpx.Client, out: Path, ctx: AppContext) -> None:
    """Every kind of CFDI the shop makes, the way a day makes them."""
    till, changes = pusher(server, ctx), TillChanges(pos.device.code)
    changes.folio = 100  # the till's own sales (the history's) number from 1
    _days_ago_sales(till, changes)
    _issue_oldest_global(pos)
    _facturar(app, ctx, pos, out)
    returned = _invoiced(till, changes, [Item("Aceite 1 l", 4500), Item("Pan dulce", 500, 3000)],
                         XOCHILT)
    company = _invoiced(till, changes, [Item("Garrafón 20 l", 4200, 3000),
                                        Item("Vasos desechables", 3900),
                                        Item("Café de grano 1 kg", 28000)], IFRIT)
    push(till, changes.sale_return(company, [(2, None, 3900)]))
    karla = new_uuid7()
    _invoiced(till, changes, [Item("Despensa", 65000)], KARLA, [("fiado", 65000)], karla)
    push(till, changes.fiado_payment(karla, 30000))
    assert api.post("/v1/cfdi/remake").status_code == 200  # credit note and complement now
    wait_until(lambda: _kinds(_month(pos)) == ["credit", "global", "payment", "ticket", "ticket",
                                                "ticket", "ticket"], timeout=60, what="every kind stamped")
    push(till, changes.sale_return(returned, [(2, None, 500)]))
    pac.next_answers(REFUSAL)
    # Not "Reintentar ahora" again: once a minute per shop. Saving the set-up runs the pass too.
    profile = api.get("/v1/cfdi/setup").json()["profile"]
    assert api.put("/v1/cfdi/profile", json=profile).status_code == 200
    wait_until(lambda: [(v.kind, v.status) for v in _month(pos).errors] == [("credit", "rejected")],
               timeout=60, what="the refused credit note")


def _facturas(app: QApplication, room: BackRoomWindow, out: Path) -> None:
    page = room.page("Facturas")
    assert isinstance(page, InvoicesPage)
    settle(app, lambda: page.data is not None and "Leyendo" not in page.message.text(),
           "the month's invoices")
    for view, name in (("Emitidas", NAMES[0]), ("Globales pendientes", NAMES[1]),
                       ("Con error", NAMES[2])):
        page.view.setCurrentText(view)
        # A picture of an empty table says nothing (on the 1st or 2nd of a month the days-ago
        # sales fall in the month before): fail rather than save it.
        assert page.table.rowCount() > 0, f"nothing to show in {view}"
        page.table.selectRow(1 if view == "Emitidas" else 0)  # a customer's invoice: Cancelar…
        save(app, room, out, name)
    page.view.setCurrentText("Emitidas")
    assert page.data is not None
    [row] = [i for i, v in enumerate(page.data.issued)
             if v.kind == "ticket" and v.receptor_rfc == IFRIT["rfc"]]
    page.table.selectRow(row)
    page.cancel_button.click()  # the owner is at the till: no PIN asked
    dialog = page.dialog
    assert dialog is not None
    dialog.choose("01")
    dialog.form.name.setText("Industrias Ifrit del Bajío")  # the corrected data
    dialog.form.postal_code.setText(IFRIT["postal_code"])
    dialog.form.regime.setCurrentIndex(dialog.form.regime.findData(IFRIT["regime"]))
    settle(app, lambda: dialog.form.isVisible(), "the receptor form")
    save(app, dialog, out, NAMES[3])
    dialog.reject()


def _fiscal(app: QApplication, room: BackRoomWindow, out: Path) -> None:
    page = room.page("Cuenta en línea")
    assert isinstance(page, AccountPage)
    page.login.setText(OWNER[0])
    page.password.setText(OWNER[1])
    page.log_in()
    settle(app, lambda: page.view is not None and page.view.fiscal_tab.setup is not None
           and page.network.idle, "the fiscal set-up")
    view = page.view
    assert view is not None
    view.tabs.setCurrentIndex(view.tabs.count() - 1)
    scroll = view.tabs.currentWidget()
    assert isinstance(scroll, QScrollArea)
    app.processEvents()
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())  # CSD and PAC
    save(app, room, out, NAMES[4])
    page.network.shutdown()


def shoot(out: Path, tmp: Path) -> list[str]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    url = cluster_url(tmp / "pg")
    make_template(url)
    pac = FakePac().start()
    worker = Worker()
    pos = open_device(tmp / "caja-1.sqlite3")
    try:
        with fresh_database(url) as database:
            server = ServerHarness(database, cfdi_allow_pac_host=True, cfdi_pac_timeout_s=3.0,
                                   cfdi_stamp_wait_s=10.0).start()
            try:
                api, _ = owner_setup(server, make_csd(), pac)
                assert api.put("/v1/cfdi/preferences",
                               json={"periodicity": "diaria"}).status_code == 200
                pair(pos, server.url, api.post("/v1/pairing-codes").json()["code"], "Caja 1")
                ctx = AppContext(Till(pos.db, pos.device), worker,
                                 Session(Cashier(uuid.uuid4(), "María", Role.OWNER)))
                _invoices(app, pos, server, pac, api, out, ctx)
                room = BackRoomWindow(ctx)
                room.resize(*SIZE)
                room.show()
                _facturas(app, room, out)
                _fiscal(app, room, out)
                room.close()
            finally:
                server.stop()
    finally:
        worker.shutdown()
        pos.close()
        pac.stop()
    return NAMES


def main(argv: list[str] | None = None) -> int:
    return readme_shots.main(shoot, argv, "facturas", "michangarrito-invoices-")


if __name__ == "__main__":
    sys.exit(main())
