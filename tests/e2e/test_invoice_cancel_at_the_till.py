"""Trastienda → Facturas against a real server on loopback and the fake PAC: the owner cancels a
stamped invoice (02, and 01 with the corrected customer data) with their session (Cuenta en
línea's, or typed in the dialog: a wrong password cancels nothing), makes a refused credit note
again now ("Reintentar ahora", once a minute), and asks for a cancelled note again; a till
without its server says so."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from pos_client.services.staff import Cashier
from pos_client.sync import invoicing
from pos_client.sync.account import OnlineAccount
from pos_client.ui.backroom.account_page import AccountPage
from pos_client.ui.backroom.cancel_dialog import CancelDialog
from pos_client.ui.backroom.invoices_page import InvoicesPage
from pos_client.ui.backroom.window import BackRoomWindow
from pos_client.ui.context import AppContext, Session
from pos_client.ui.qt import QMessageBox
from shared.errors import DomainError
from shared.permissions import Role
from tests.support import cfdi_http
from tests.support.cfdi import Item, sale, sale_id_of
from tests.support.cfdi_http import push, pusher

pytestmark = pytest.mark.e2e

cfdi_server, fake_pac, csd, till = (cfdi_http.cfdi_server, cfdi_http.fake_pac, cfdi_http.csd,
                                    cfdi_http.cfdi_till)
CUSTOMER = {"rfc": "XOJI740919U48", "name": "Ingrid Xodar Jiménez", "postal_code": "76028",
            "regime": "612", "uso": "G03"}
REFUSAL = ("CFDI40147", "El RFC del receptor no se encuentra en la lista del SAT")
OWNER = ("maria@example.mx", "tamales-de-rajas-2026")  # tests.support.cfdi_http's sign-up


@pytest.fixture
def yes(monkeypatch) -> None:
    """Every confirmation answered yes."""
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))


@pytest.fixture
def owner_page(qtbot, till, yes) -> InvoicesPage:
    """The Facturas tab with the owner at the till, logged in online on it (as Cuenta en línea
    leaves it)."""
    ctx: AppContext = till[0]
    ctx.session = Session(Cashier(uuid.uuid4(), "María", Role.OWNER))
    ctx.owner_login.account = OnlineAccount.log_in(ctx.till.device, *OWNER)
    return _page(qtbot, ctx)


def _page(qtbot, ctx: AppContext) -> InvoicesPage:
    page = InvoicesPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.data is not None, timeout=30_000)
    return page


def _invoiced(cfdi_server, ctx, changes, items) -> tuple[uuid.UUID, dict]:
    """A sale pushed by the till and invoiced to the customer at the counter (stamped)."""
    ticket = sale(changes, items)
    till_http = pusher(cfdi_server, ctx)
    push(till_http, ticket)
    r = till_http.post("/v1/invoices", json={"sale_id": str(sale_id_of(ticket)),
                                             "receptor": CUSTOMER})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "stamped"
    return sale_id_of(ticket), r.json()


def _month(api: httpx.Client) -> dict:
    today = datetime.now(ZoneInfo("America/Mexico_City"))
    return api.get("/v1/cfdi/invoices", params={"month": f"{today:%Y-%m}"}).json()


def _show(qtbot, page: InvoicesPage, view: str, invoice_id: str, state: str) -> None:
    """Reload until the view lists that CFDI in that state, then select its row."""
    def listed() -> bool:
        if page.view.currentText() != view:
            page.view.setCurrentText(view)
        rows = {"Emitidas": "issued", "Canceladas": "cancelled", "Con error": "errors"}[view]
        found = [i for i, v in enumerate(getattr(page.data, rows, []))
                 if str(v.invoice_id) == invoice_id]
        if found and state in page.table.item(found[0], 4).text():
            page.table.selectRow(found[0])
            return True
        page.reload()
        return False
    qtbot.waitUntil(listed, timeout=30_000)


def _answered(qtbot, dialog: CancelDialog) -> None:
    """Wait for the server's answer to the dialog (a refusal fails here, saying why)."""
    qtbot.waitUntil(lambda: dialog.answer is not None or dialog.ok_button.isEnabled(),
                    timeout=30_000)
    assert dialog.answer is not None, dialog.message.text()


def _open_cancel(qtbot, page: InvoicesPage) -> CancelDialog:
    assert page.cancel_button.isEnabled()
    page.cancel_button.click()
    assert page.dialog is not None
    qtbot.addWidget(page.dialog)
    return page.dialog


def test_the_owner_cancels_with_02_and_the_state_follows_the_pac(qtbot, cfdi_server, till,
                                                                 owner_page):
    ctx, changes, _ = till
    _, invoice = _invoiced(cfdi_server, ctx, changes, [Item("Aceite 1 l", 4500)])
    _show(qtbot, owner_page, "Emitidas", invoice["invoice_id"], "Timbrada")
    owner = ctx.session
    ctx.session = Session(Cashier(uuid.uuid4(), "Pepe", Role.MANAGER))
    owner_page.cancel_button.click()  # the owner's session held: a manager needs a PIN for it
    assert owner_page.pin_dialog is not None
    assert owner_page.dialog is None
    owner_page.pin_dialog.reject()
    ctx.session = owner
    dialog = _open_cancel(qtbot, owner_page)
    assert not dialog.owner_row.isVisibleTo(dialog)  # logged in: nothing more to type
    assert not dialog.ok_button.isEnabled()  # no motive chosen yet
    dialog.choose("04")
    assert "lo aplica el sistema" in dialog.what.text()
    assert not dialog.ok_button.isEnabled()
    dialog.choose("01")
    assert dialog.form.isVisibleTo(dialog)  # a customer's invoice: the replacement's data
    needs = dialog.minimumSizeHint()  # it fits the smallest kiosk screen, 1024×600
    assert needs.width() <= 1024, needs
    assert needs.height() <= 600, needs
    dialog.choose("02")
    assert not dialog.form.isVisibleTo(dialog)
    assert "La venta queda sin factura" in dialog.what.text()
    dialog.submit()
    _answered(qtbot, dialog)
    assert dialog.answer is not None
    assert dialog.answer.cancel_status == "requested"
    dialog.accept()
    _show(qtbot, owner_page, "Canceladas", invoice["invoice_id"], "Cancelada")


def test_01_signs_the_replacement_with_the_corrected_data_first(qtbot, cfdi_server, till,
                                                                owner_page):
    ctx, changes, api = till
    _, invoice = _invoiced(cfdi_server, ctx, changes, [Item("Arroz", 3000)])
    _show(qtbot, owner_page, "Emitidas", invoice["invoice_id"], "Timbrada")
    dialog = _open_cancel(qtbot, owner_page)
    dialog.choose("01")
    dialog.form.name.setText("Ingrid Xodar Jimenez de Lara")
    dialog.form.regime.setCurrentIndex(dialog.form.regime.findData("612"))
    dialog.form.rfc.setText("XOJI740919U48")
    dialog.submit()
    assert "código postal" in dialog.message.text().lower()
    dialog.form.postal_code.setText("76028")
    dialog.form.rfc.setText("XOJI740919U47")
    dialog.submit()
    assert "dígito verificador" in dialog.message.text()  # checked here, nothing sent
    dialog.form.rfc.setText("XOJI740919U48")
    dialog.submit()
    _answered(qtbot, dialog)
    assert dialog.answer is not None
    assert str(dialog.answer.invoice_id) != invoice["invoice_id"]
    assert dialog.answer.receptor_name == "INGRID XODAR JIMENEZ DE LARA"
    assert "la sustituye" in dialog.message.text()
    dialog.accept()
    _show(qtbot, owner_page, "Canceladas", invoice["invoice_id"], "Cancelada")
    issued = {v["invoice_id"]: v for v in _month(api)["issued"]}
    assert issued[str(dialog.answer.invoice_id)]["status"] == "stamped"


def test_a_refused_note_is_made_again_now_and_a_cancelled_one_on_request(
        qtbot, cfdi_server, till, fake_pac, owner_page):
    ctx, changes, api = till
    sale_id, _ = _invoiced(cfdi_server, ctx, changes, [Item("Aceite", 4500), Item("Pan", 3000)])
    push(pusher(cfdi_server, ctx), changes.sale_return(sale_id, [(2, None, 3000)]))
    fake_pac.next_answers(REFUSAL)
    profile = api.get("/v1/cfdi/setup").json()["profile"]
    assert api.put("/v1/cfdi/profile", json=profile).status_code == 200  # the pass runs now
    qtbot.waitUntil(lambda: [v["kind"] for v in _month(api)["errors"]] == ["credit"],
                    timeout=30_000)
    [refused] = _month(api)["errors"]
    _show(qtbot, owner_page, "Con error", refused["invoice_id"], "Rechazada")
    assert "CFDI40147" in owner_page.table.item(owner_page.table.currentRow(), 5).text()
    owner_page.retry_button.click()
    qtbot.waitUntil(lambda: "Se hicieron de nuevo 1 comprobante" in owner_page.message.text(),
                    timeout=30_000)
    _show(qtbot, owner_page, "Con error", refused["invoice_id"], "Rechazada")
    owner_page.retry_button.click()  # pressed again within the minute: refused, says when
    qtbot.waitUntil(lambda: "otra vez en" in owner_page.message.text(), timeout=30_000)
    assert "Reintentar ahora" in owner_page.message.text()
    qtbot.waitUntil(lambda: [v["status"] for v in _month(api)["issued"]
                             if v["kind"] == "credit"] == ["stamped"], timeout=30_000)
    [note] = [v for v in _month(api)["issued"] if v["kind"] == "credit"]

    _show(qtbot, owner_page, "Emitidas", note["invoice_id"], "Timbrada")
    dialog = _open_cancel(qtbot, owner_page)
    dialog.choose("01")
    assert not dialog.ok_button.isEnabled()  # a note is not replaced with 01
    dialog.choose("02")
    assert "Volver a emitir nota" in dialog.what.text()
    dialog.submit()
    _answered(qtbot, dialog)
    dialog.accept()
    _show(qtbot, owner_page, "Canceladas", note["invoice_id"], "Cancelada")
    assert owner_page.note_button.isEnabled()
    ctx.owner_login.account = None  # the back room was left and opened again: no session
    owner_page.note_button.click()
    dialog = owner_page.note_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.row.login.setText(OWNER[0])
    dialog.row.password.setText(OWNER[1])
    dialog.submit()
    qtbot.waitUntil(lambda: "nota de crédito nueva" in owner_page.message.text(),
                    timeout=30_000)
    assert dialog.done_ok
    qtbot.waitUntil(lambda: [v["status"] for v in _month(api)["issued"]
                             if v["kind"] == "credit"] == ["stamped"], timeout=30_000)


def test_without_its_server_the_back_room_says_so_and_changes_nothing(till, cfdi_server):
    ctx, _, _ = till
    ctx.owner_login.account = OnlineAccount.log_in(ctx.till.device, *OWNER)
    cfdi_server.stop()
    for call in (lambda: invoicing.cancel(ctx.owner_login, ctx.till.device, uuid.uuid4(), "02"),
                 lambda: invoicing.note_again(ctx.owner_login, ctx.till.device, uuid.uuid4(),
                                              OWNER),
                 lambda: invoicing.remake(ctx.till.device)):
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.code == "offline"
        assert "no se cambió ninguna factura" in refused.value.message


def test_without_the_owners_session_the_dialog_asks_their_login_and_a_wrong_one_cancels_nothing(
        qtbot, cfdi_server, till, yes):
    """A manager at the till with no owner session: no PIN helps, the owner's password does.
    The session typed is kept (Cuenta en línea opens logged in) until the back room closes."""
    ctx, changes, api = till
    ctx.session = Session(Cashier(uuid.uuid4(), "Pepe", Role.MANAGER))
    page = _page(qtbot, ctx)
    _, invoice = _invoiced(cfdi_server, ctx, changes, [Item("Aceite 1 l", 4500)])
    _show(qtbot, page, "Emitidas", invoice["invoice_id"], "Timbrada")
    dialog = _open_cancel(qtbot, page)  # no PIN asked: the password is the proof
    assert page.pin_dialog is None
    assert dialog.owner_row.isVisibleTo(dialog)
    assert "dueña o el dueño" in dialog.message.text()
    dialog.choose("01")
    needs = dialog.minimumSizeHint()  # the login row and the receptor form still fit 1024×600
    assert needs.height() <= 600, needs
    dialog.choose("02")
    dialog.submit()
    assert "contraseña" in dialog.message.text()  # nothing typed: nothing sent
    dialog.owner_row.login.setText(OWNER[0])
    dialog.owner_row.password.setText("no-es-la-contraseña")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=30_000)
    assert dialog.answer is None
    assert dialog.owner_row.password.text() == ""
    assert ctx.owner_login.account is None
    [listed] = [v for v in _month(api)["issued"] if v["invoice_id"] == invoice["invoice_id"]]
    assert listed["cancel_status"] is None  # nothing cancelled
    dialog.owner_row.password.setText(OWNER[1])
    dialog.submit()
    _answered(qtbot, dialog)
    assert dialog.answer is not None
    assert dialog.answer.cancel_status == "requested"
    assert not dialog.owner_row.isVisibleTo(dialog)
    assert ctx.owner_login.account is not None  # kept, as Cuenta en línea keeps it
    dialog.accept()
    _show(qtbot, page, "Canceladas", invoice["invoice_id"], "Cancelada")
    online = AccountPage(ctx)
    qtbot.addWidget(online)
    assert online.account is ctx.owner_login.account  # Cuenta en línea opens logged in
    room = BackRoomWindow(ctx)  # the next visit to the back room starts logged out
    qtbot.addWidget(room)
    assert ctx.owner_login.account is None


def test_a_session_that_ended_asks_the_login_again(qtbot, cfdi_server, till, owner_page):
    ctx, changes, _ = till
    _, invoice = _invoiced(cfdi_server, ctx, changes, [Item("Arroz", 3000)])
    _show(qtbot, owner_page, "Emitidas", invoice["invoice_id"], "Timbrada")
    account = ctx.owner_login.account
    assert account is not None
    account.session = account.session.model_copy(update={"token": "ended"})
    dialog = _open_cancel(qtbot, owner_page)
    dialog.choose("02")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.owner_row.isVisibleTo(dialog), timeout=30_000)
    assert "La sesión de la cuenta en línea terminó" in dialog.message.text()
    assert dialog.answer is None
    assert ctx.owner_login.account is None


def test_a_cancellation_the_customer_refuses_shows_why_and_may_be_asked_again(
        qtbot, cfdi_server, till, fake_pac, owner_page):
    ctx, changes, api = till
    _, invoice = _invoiced(cfdi_server, ctx, changes, [Item("Refrigerador", 1_500_000)])
    _show(qtbot, owner_page, "Emitidas", invoice["invoice_id"], "Timbrada")
    dialog = _open_cancel(qtbot, owner_page)
    dialog.choose("03")
    dialog.submit()
    _answered(qtbot, dialog)
    dialog.accept()
    _show(qtbot, owner_page, "Emitidas", invoice["invoice_id"], "espera al cliente")
    assert not owner_page.cancel_button.isEnabled()  # one request at a time
    fake_pac.customer_answers(invoice["uuid"], accept=False)
    cfdi_server.admin("UPDATE invoices SET cancel_next_at = now()")  # the hour has passed
    assert api.post("/v1/cfdi/remake").status_code == 200  # an owner's call wakes the worker
    _show(qtbot, owner_page, "Con error", invoice["invoice_id"], "Cancelación rechazada")
    row = owner_page.table.currentRow()
    assert owner_page.table.item(row, 5).text() == "El cliente rechazó la cancelación."
    assert owner_page.cancel_button.isEnabled()  # still valid: it may be asked again
