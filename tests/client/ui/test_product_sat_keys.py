"""The product form's SAT keys (ClaveProdServ, ClaveUnidad): refused in Spanish when malformed,
saved on the product and carried by its outbox change; empty means the generic ones."""

from __future__ import annotations

import json

from sqlalchemy import select

from pos_client.store.schema import outbox, products
from pos_client.ui.context import AppContext
from pos_client.ui.qt import Qt
from shared.catalog import starter_product_id
from tests.client.ui.test_catalog_page import COCA, _open, _page


def _stored(ctx: AppContext) -> tuple[str | None, str | None]:
    with ctx.till.db.read() as conn:
        row = conn.execute(select(products.c.sat_product_key, products.c.sat_unit_key)
                           .where(products.c.id == str(starter_product_id(COCA)))).one()
    return row.sat_product_key, row.sat_unit_key


def _last_change(ctx: AppContext) -> dict[str, object]:
    with ctx.till.db.read() as conn:
        body = conn.execute(select(outbox.c.body).where(outbox.c.entity == "product")
                            .order_by(outbox.c.device_seq.desc()).limit(1)).scalar_one()
    payload: dict[str, object] = json.loads(body)["payload"]
    return payload


def test_a_malformed_sat_key_is_refused_and_a_good_one_is_saved_and_synced(  # type: ignore[no-untyped-def]
        qtbot, ctx: AppContext) -> None:
    page = _page(qtbot, ctx)
    _open(qtbot, page, "Coca-Cola 600 ml")
    assert page.editor.sat_key.text() == ""
    assert page.editor.sat_key.placeholderText() == "01010101"

    qtbot.keyClicks(page.editor.sat_key, "5020230")  # seven digits
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.error.text() != "")
    assert page.error.text().startswith("La clave de producto del SAT son 8 dígitos")
    assert _stored(ctx) == (None, None)

    qtbot.keyClicks(page.editor.sat_key, "6")
    qtbot.keyClicks(page.editor.sat_unit, "l-t")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.error.text().startswith("La clave de unidad"))
    page.editor.sat_unit.setText("ltr")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status.text().startswith("Guardado"))
    assert _stored(ctx) == ("50202306", "LTR")
    change = _last_change(ctx)
    assert (change["sat_product_key"], change["sat_unit_key"]) == ("50202306", "LTR")

    _open(qtbot, page, "Coca-Cola 600 ml")
    assert (page.editor.sat_key.text(), page.editor.sat_unit.text()) == ("50202306", "LTR")
    page.editor.sat_key.clear()
    page.editor.sat_unit.clear()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _stored(ctx) == (None, None))  # back to the generic keys
