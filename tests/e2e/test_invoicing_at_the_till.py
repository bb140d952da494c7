"""The till's invoicing screens against a real server on loopback and the fake PAC: the
counter's "facturar" from the sale history, and Trastienda → Facturas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pos_client.services.till import Till
from pos_client.ui.backroom.invoices_page import InvoicesPage
from pos_client.ui.context import AppContext
from pos_client.ui.invoice_dialog import InvoiceDialog
from pos_client.ui.qt import QMessageBox
from pos_client.ui.worker import Worker
from tests.support import cfdi_http
from tests.support.cfdi import Item, sale, sale_id_of
from tests.support.cfdi_http import push, pusher
from tests.support.client import open_device

pytestmark = pytest.mark.e2e


# One name per fixture (the till's fixture asks for the server and the PAC by these names).
cfdi_server, fake_pac, csd, till = (cfdi_http.cfdi_server, cfdi_http.fake_pac, cfdi_http.csd,
                                    cfdi_http.cfdi_till)


def test_the_cashier_invoices_a_sale_from_the_history(qtbot, cfdi_server, till):
    ctx, changes, _ = till
    ticket = sale(changes, [Item("Aceite 1 l", 4500), Item("Pan", 500, 3000)])
    push(pusher(cfdi_server, ctx), ticket)
    dialog = InvoiceDialog(ctx, sale_id_of(ticket), ticket.payload.folio)  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    dialog.rfc.setText("XOJI740919U47")
    dialog.name.setText("Ingrid Xodar Jiménez")
    dialog.postal_code.setText("76028")
    dialog.regime.setCurrentIndex(dialog.regime.findData("612"))
    dialog.submit()
    assert "dígito verificador" in dialog.message.text()  # refused here, nothing sent
    dialog.rfc.setText("XOJI740919U48")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.answer is not None, timeout=30_000)
    assert dialog.answer is not None
    assert dialog.answer.status == "stamped"
    assert "timbrada por $60.00" in dialog.message.text()
    dialog.submit()  # the button is off once stamped: nothing happens twice
    assert not dialog.ok_button.isEnabled()


def test_the_back_room_lists_the_month_and_issues_a_waiting_global(qtbot, cfdi_server, till, fake_pac):
    ctx, changes, api = till
    assert api.put("/v1/cfdi/preferences", json={"periodicity": "diaria"}).status_code == 200
    yesterday = datetime.now(ZoneInfo("America/Mexico_City")) - timedelta(days=1)
    old = sale(changes, [Item("Refresco", 1800)], sold_at=yesterday.astimezone(UTC))
    push(pusher(cfdi_server, ctx), old)
    page = InvoicesPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.data is not None, timeout=30_000)
    page.view.setCurrentText("Globales pendientes")
    assert page.table.rowCount() == 1
    assert page.table.item(0, 3).text() == "Caja 1"  # the till that has not pulled since
    page.table.selectRow(0)
    assert page.issue_button.isEnabled()
    QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)  # type: ignore[method-assign]
    page.issue_global()
    qtbot.waitUntil(lambda: "emitida con 1 venta;" in page.message.text(), timeout=30_000)
    qtbot.waitUntil(lambda: len(fake_pac.stamped_for("FG", "1")) == 1, timeout=30_000)
    page.view.setCurrentText("Emitidas")
    page.reload()
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and "Timbrada" in page.table.item(0, 4).text(),
                    timeout=30_000)


def test_a_till_that_is_not_paired_says_so(qtbot, tmp_path: Path):
    pos = open_device(tmp_path / "solo.sqlite3")
    ctx = AppContext(Till(pos.db, pos.device), Worker())
    page = InvoicesPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: "no está vinculada" in page.message.text())
    ctx.worker.shutdown()
    pos.close()
