"""The back room's rules hold in the services too: a cajero edits the catalog or the stock only
with the approval of someone allowed, and the audit log names who approved."""

from __future__ import annotations

import pytest

from pos_client.services import catalog_admin, inventory
from pos_client.services.catalog_admin import ProductDraft
from pos_client.services.staff import NotAllowed
from pos_client.store.repositories import catalog
from pos_client.ui.backroom.window import BackRoomWindow
from shared.permissions import Permission
from tests.support.till import as_cashier, enter_pin, rows

pytestmark = pytest.mark.unit


def test_a_cashier_alone_cannot_change_the_catalog_or_the_stock(ctx, small_catalog):
    pepe = as_cashier(ctx)
    with ctx.till.db.read() as conn:
        coke = catalog.by_barcode(conn, small_catalog[0].barcode)
    with pytest.raises(NotAllowed):
        catalog_admin.save_product(ctx.till, ProductDraft(name="Pan", price=100), pepe.id)
    with pytest.raises(NotAllowed):
        inventory.adjust(ctx.till, coke.id, -1000, "Merma", pepe.id)
    with pytest.raises(NotAllowed):  # a cajero cannot approve a cajero
        inventory.adjust(ctx.till, coke.id, -1000, "Merma", pepe.id, authorized_by=pepe.id)
    assert rows(ctx.till.db, "SELECT count(*) FROM audit_events")[0][0] == 0


def test_approved_by_the_owner_the_cashier_may_and_the_log_says_who_approved(ctx, small_catalog):
    owner = ctx.session.cashier
    pepe = as_cashier(ctx)
    saved = catalog_admin.save_product(ctx.till, ProductDraft(name="Pan dulce", price=900),
                                       pepe.id, authorized_by=owner.id)
    audit = rows(ctx.till.db, "SELECT action, cashier_id, authorized_by, subject_id FROM audit_events")
    assert [tuple(a) for a in audit] == [
        ("catalog_edit", str(pepe.id), str(owner.id), str(saved.id))]


def test_the_pin_that_opens_a_section_approves_its_changes(qtbot, ctx):
    owner = ctx.session.cashier
    pepe = as_cashier(ctx)
    back_room = BackRoomWindow(ctx)
    qtbot.addWidget(back_room)
    back_room.show()
    back_room.nav.setCurrentRow(0)  # Productos: a cajero is asked for a PIN
    enter_pin(qtbot, back_room.auth_dialog, "1234")
    qtbot.waitUntil(lambda: 0 in back_room.pages)
    assert ctx.session.approvals == {Permission.EDIT_CATALOG: owner.id}
    assert ctx.approver(Permission.EDIT_CATALOG) == owner.id
    page = back_room.pages[0]
    page.editor.name.setText("Pan dulce")
    page.editor.price.setText("9")
    page.save()
    qtbot.waitUntil(lambda: ctx.worker.idle and rows(ctx.till.db, "SELECT count(*) FROM audit_events")[0][0])
    audit = rows(ctx.till.db, "SELECT cashier_id, authorized_by FROM audit_events")
    assert [tuple(a) for a in audit] == [(str(pepe.id), str(owner.id))]
