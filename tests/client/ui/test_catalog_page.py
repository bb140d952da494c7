"""The Productos page driven through its widgets, checked against the SQLite rows it writes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select

from pos_client.services import catalog_admin, catalog_io
from pos_client.store.database import Database
from pos_client.store.repositories import catalog
from pos_client.store.schema import audit_events, categories, outbox, products
from pos_client.ui.backroom.catalog_page import CatalogPage
from pos_client.ui.backroom.import_dialog import ImportDialog
from pos_client.ui.context import AppContext
from pos_client.ui.operations import UNEXPECTED
from pos_client.ui.qt import Qt
from shared.catalog import load_starter_catalog, starter_product_id
from tests.support.qt import show_active

COCA = "7501055300075"
GENERIC = UNEXPECTED  # what every screen says of a failure nobody planned for


def _count(db: Database, table, *where) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _page(qtbot, ctx: AppContext) -> CatalogPage:  # type: ignore[no-untyped-def]
    page = CatalogPage(ctx)
    qtbot.addWidget(page)
    page.resize(1024, 600)
    show_active(qtbot, page)
    qtbot.waitUntil(lambda: ctx.worker.idle and page.model.rowCount() == 12)
    return page


def _preview(qtbot, page: CatalogPage, path: Path) -> ImportDialog:  # type: ignore[no-untyped-def]
    """The import dialog for ``path``, once it shows its preview."""
    page.import_file(path)
    qtbot.waitUntil(lambda: page.import_dialog is not None and page.import_dialog.isVisible())
    assert page.import_dialog is not None
    return page.import_dialog


def _cells(dialog: ImportDialog) -> list[list[str]]:
    model = dialog.model
    return [[model.index(r, c).data() for c in range(5)] for r in range(model.rowCount())]


def _open(qtbot, page: CatalogPage, name: str) -> None:  # type: ignore[no-untyped-def]
    row = next(i for i in range(page.model.rowCount()) if page.model.product(i).name == name)
    page.table.selectRow(row)
    qtbot.waitUntil(lambda: page.editor.name.text() == name)


def test_editing_a_price_saves_the_product_its_outbox_change_and_an_audit_event(  # type: ignore[no-untyped-def]
        qtbot, ctx: AppContext) -> None:
    page = _page(qtbot, ctx)
    _open(qtbot, page, "Coca-Cola 600 ml")
    assert page.editor.price.text() == "$22.00"
    assert [page.editor.codes.item(i).text() for i in range(page.editor.codes.count())] == [COCA]
    changes_before = _count(ctx.till.db, outbox, outbox.c.entity == "product")

    page.editor.price.clear()
    qtbot.keyClicks(page.editor.price, "23.50")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status.text().startswith("Guardado"))

    coca_id = starter_product_id(COCA)
    assert _count(ctx.till.db, products, products.c.id == str(coca_id), products.c.price == 2350) == 1
    assert _count(ctx.till.db, outbox, outbox.c.entity == "product") == changes_before + 1
    assert _count(ctx.till.db, audit_events, audit_events.c.action == "catalog_edit",
                  audit_events.c.subject_id == str(coca_id),
                  audit_events.c.cashier_id == str(ctx.session.cashier.id)) == 1  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: any(page.model.product(i).price == 2350 for i in range(page.model.rowCount())))
    assert page.error.text() == ""


def test_a_negative_price_is_refused_on_the_page_and_nothing_is_written(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    _open(qtbot, page, "Coca-Cola 600 ml")
    before = _count(ctx.till.db, outbox)

    page.editor.price.setText("-5")
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.error.text() != "")

    assert page.error.text() == "El precio no puede ser negativo."
    assert page.error.isVisible()
    assert _count(ctx.till.db, outbox) == before
    assert _count(ctx.till.db, products, products.c.price == 2200,
                  products.c.id == str(starter_product_id(COCA))) == 1


def test_a_new_product_with_a_barcode_already_in_use_is_refused(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.editor.name, "Refresco pirata")
    qtbot.keyClicks(page.editor.price, "15")
    qtbot.keyClicks(page.editor.new_code, COCA)
    qtbot.keyClick(page.editor.new_code, Qt.Key.Key_Return)
    before = _count(ctx.till.db, products)

    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.error.text() != "")

    assert page.error.text() == "El código 7501055300075 ya es de «Coca-Cola 600 ml»."
    assert _count(ctx.till.db, products) == before


def test_a_new_product_named_like_another_is_refused(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    """Issue 12: a duplicate name was not flagged; now the form says so and points at the name.
    Saving the existing product again (its own name) is not a duplicate."""
    page = _page(qtbot, ctx)
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.editor.name, "coca-cola 600 ML ")
    qtbot.keyClicks(page.editor.price, "15")
    before = _count(ctx.till.db, products)

    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.error.text() != "")

    assert page.error.text().startswith("Ya hay un producto llamado «Coca-Cola 600 ml»")
    assert _count(ctx.till.db, products) == before
    page.error.clear()
    page.editor.name.clear()  # dropped: opening another product asks nothing
    _open(qtbot, page, "Coca-Cola 600 ml")
    page.editor.price.setText("21")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _count(ctx.till.db, products, products.c.price == 2100) == 1)
    assert page.error.text() == ""


def test_a_bad_number_is_refused_before_any_work(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    _open(qtbot, page, "Coca-Cola 600 ml")
    page.editor.price.setText("12,5")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.error.text().startswith("Precio: «12,5» no es un importe válido")
    page.editor.price.setText("30")
    page.editor.minimum.setText("2.5")  # a piece product
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "cantidades enteras" in page.error.text()


def test_new_product_with_every_field(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    catalog_admin.add_department(ctx.till, "Salchichonería", cashier_id=None)
    page = _page(qtbot, ctx)
    page.load_departments()
    qtbot.waitUntil(lambda: page.editor.department.findText("Salchichonería") >= 0)
    page.new_product()
    page.editor.name.setText("Jamón de pavo")  # QTest cannot type non-ASCII offscreen
    page.editor.department.setCurrentText("Salchichonería")
    page.editor.by_weight.setCurrentIndex(1)
    page.editor.cost.setText("120")
    page.editor.price.setText("$180.00")
    page.editor.wholesale_price.setText("165")
    page.editor.wholesale_min.setText("2")
    page.editor.iva.setCurrentIndex(page.editor.iva.findText("IVA 0%"))
    page.editor.minimum.setText("0.5")
    for code in ("2000001", "2000002"):
        page.editor.new_code.setText(code)
        page.editor.add_code()

    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status.text().startswith("Guardado"))

    with ctx.till.db.read() as conn:
        found = catalog.by_barcode(conn, "2000002")
        assert found is not None
        saved = catalog.payload(conn, found.id)
    assert saved is not None
    assert (saved.department, saved.sold_by_weight, saved.cost, saved.price) == (
        "Salchichonería", True, 12000, 18000)
    assert (saved.wholesale_price, saved.wholesale_min_milli, saved.min_stock_milli) == (16500, 2000, 500)
    assert saved.barcodes == ["2000001", "2000002"]
    assert saved.iva.value == "0"


def test_delete_asks_then_leaves_a_tombstone(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    _open(qtbot, page, "Coca-Cola 600 ml")
    answers = [False, True]
    page.confirm = lambda _question: answers.pop(0)  # type: ignore[method-assign]

    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert _count(ctx.till.db, products, products.c.deleted == 1) == 0
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status.text().startswith("Eliminado"))

    assert _count(ctx.till.db, products, products.c.deleted == 1,
                  products.c.id == str(starter_product_id(COCA))) == 1
    qtbot.waitUntil(lambda: page.model.rowCount() == 11)


def test_import_shows_each_row_and_imports_only_the_valid_ones(  # type: ignore[no-untyped-def]
        qtbot, ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "lista.csv"
    path.write_text("nombre,codigo,precio,iva\nPan dulce,7500000000011,8.50,0\n"
                    "Concha,7500000000012,-1,0\nCoca-Cola 600 ml,7501055300075,24,16\n", "utf-8")
    page = _page(qtbot, ctx)

    dialog = _preview(qtbot, page, path)
    cells = _cells(dialog)
    assert [row[:2] for row in cells] == [["2", "Nuevo"], ["3", "Error"], ["4", "Actualiza"]]
    assert cells[1][4] == "precio: el importe no puede ser negativo."
    assert dialog.import_button.text() == "Importar 2 productos válidos"

    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    assert page.status.text() == "Importados: 1 nuevo y 1 actualizado."
    with ctx.till.db.read() as conn:
        assert catalog.by_barcode(conn, "7500000000011") is not None
        assert catalog.by_barcode(conn, "7500000000012") is None
        coca = catalog.by_barcode(conn, COCA)
    assert coca is not None
    assert coca.price == 2400
    qtbot.waitUntil(lambda: page.model.rowCount() == 13)


def test_export_writes_a_file_that_says_how_many(qtbot, ctx: AppContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    page.export_to(tmp_path / "productos.csv")
    qtbot.waitUntil(lambda: page.status.text() != "")
    assert page.status.text() == "Exportados 12 productos a productos.csv."
    assert "Coca-Cola 600 ml" in (tmp_path / "productos.csv").read_text("utf-8-sig")


def test_starter_pick_adds_only_the_chosen_products(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    page.open_starter()
    qtbot.waitUntil(lambda: page.starter_dialog is not None and page.starter_dialog.isVisible())
    dialog = page.starter_dialog
    assert dialog is not None
    _, coca_item = dialog.items[COCA]
    assert coca_item.text(0) == "Coca-Cola 600 ml (ya está)"
    assert not coca_item.flags() & Qt.ItemFlag.ItemIsEnabled
    missing = [p for p in load_starter_catalog() if p.barcode not in {
        b for b, (_, item) in dialog.items.items() if not item.flags() & Qt.ItemFlag.ItemIsEnabled}]
    chosen = missing[:2]
    for p in chosen:
        dialog.set_checked(p.barcode)
    dialog.set_checked(COCA)  # already there: stays out
    before = _count(ctx.till.db, products)
    with ctx.till.db.read() as conn:  # the departments the loaded catalog already has (issue 12)
        known = {r.name for r in conn.execute(categories.select())}

    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    assert _count(ctx.till.db, products) == before + 2
    for p in chosen:
        assert _count(ctx.till.db, products, products.c.id == str(starter_product_id(p.barcode))) == 1
    assert _count(ctx.till.db, products, products.c.id == str(starter_product_id(missing[2].barcode))) == 0
    assert _count(ctx.till.db, categories) == len(known | {p.department for p in chosen})
    assert page.status.text() == "Agregados 2 productos del catálogo inicial."


def test_departments_dialog_adds_and_refuses_a_repeat(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    page.open_departments()
    dialog = page.departments_dialog
    assert dialog is not None
    # The catalog's own departments are listed (issue 12: the dialog was empty).
    qtbot.waitUntil(lambda: dialog.list.count() > 0)
    listed = dialog.list.count()
    assert listed == _count(ctx.till.db, categories)
    dialog.name.setText("Cremería")
    dialog.add()
    qtbot.waitUntil(lambda: dialog.list.count() == listed + 1)
    dialog.name.setText("cremeria")
    dialog.add()
    qtbot.waitUntil(lambda: dialog.error.text() != "")
    assert dialog.error.text() == "Ya existe el departamento «Cremería»."
    assert _count(ctx.till.db, categories) == listed + 1
    qtbot.waitUntil(lambda: page.editor.department.findText("Cremería") >= 0)


def test_search_narrows_the_list_and_inactive_products_can_be_found_again(  # type: ignore[no-untyped-def]
        qtbot, ctx: AppContext) -> None:
    page = _page(qtbot, ctx)
    qtbot.keyClicks(page.search, "coca")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)  # 600 ml, 2 L, Sin Azúcar
    _open(qtbot, page, "Coca-Cola 2 L")
    page.editor.active.setChecked(False)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)

    page.show_inactive.setChecked(True)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    _open(qtbot, page, "Coca-Cola 2 L")
    page.editor.active.setChecked(True)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    assert _count(ctx.till.db, products, products.c.name == "Coca-Cola 2 L", products.c.active == 1) == 1


# ---- review fixes: one save per press, Spanish file errors, generic failures ----------------


@contextmanager
def _worker_held(ctx: AppContext) -> Iterator[None]:
    """Keeps the worker busy, so what the page submits meanwhile waits, as on a slow disk."""
    gate = threading.Event()
    ctx.worker.submit(gate.wait)
    try:
        yield
    finally:
        gate.set()


def test_pressing_save_twice_quickly_creates_the_product_once(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    page.new_product()
    page.editor.name.setText("Jamón a granel")
    page.editor.by_weight.setCurrentIndex(1)
    page.editor.price.setText("180")

    with _worker_held(ctx):
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
        assert not page.save_button.isEnabled()
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
        qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        page.save()
        fixed_id = page.editor.product_id
        assert fixed_id is not None
    qtbot.waitUntil(lambda: page.status.text().startswith("Guardado") and ctx.worker.idle)

    assert _count(ctx.till.db, products, products.c.name == "Jamón a granel") == 1
    assert _count(ctx.till.db, products, products.c.id == str(fixed_id)) == 1
    assert page.save_button.isEnabled()
    page.editor.price.setText("190")  # a later save is an edit of the same product
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.save_button.isEnabled() and ctx.worker.idle)
    assert _count(ctx.till.db, products, products.c.name == "Jamón a granel") == 1
    assert _count(ctx.till.db, products, products.c.id == str(fixed_id), products.c.price == 19000) == 1


def test_a_refused_save_gives_the_button_back(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    page.new_product()
    page.editor.name.setText("Refresco pirata")
    page.editor.price.setText("15")
    page.editor.new_code.setText(COCA)
    page.editor.add_code()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.error.text() != "")
    assert page.save_button.isEnabled()

    page.editor.codes.clear()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status.text().startswith("Guardado"))
    assert _count(ctx.till.db, products, products.c.name == "Refresco pirata") == 1


def test_file_problems_are_explained_in_spanish(qtbot, ctx: AppContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    (tmp_path / "productos.xlsx").mkdir()  # stands in for a file Excel keeps locked

    page.export_to(tmp_path / "productos.xlsx")
    qtbot.waitUntil(lambda: page.error.text() != "")
    assert page.error.text() == "No pude guardar productos.xlsx: es una carpeta, no un archivo."

    page.import_file(tmp_path / "no-existe.csv")
    qtbot.waitUntil(lambda: page.error.text().startswith("No pude abrir"))
    assert page.error.text() == "No pude abrir no-existe.csv: no existe esa carpeta o archivo."
    assert page.import_dialog is None


def test_an_unexpected_failure_shows_a_spanish_message_not_the_exception(  # type: ignore[no-untyped-def]
        qtbot, ctx: AppContext, tmp_path: Path, monkeypatch, caplog) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database disk image is malformed")

    page = _page(qtbot, ctx)
    monkeypatch.setattr(catalog_io, "export_csv", broken)
    page.export_to(tmp_path / "p.csv")
    qtbot.waitUntil(lambda: page.error.text() != "")
    assert page.error.text() == GENERIC
    assert "malformed" in caplog.text  # logged for support, not shown

    path = tmp_path / "lista.csv"
    path.write_text("nombre,precio\nPan,8\n", "utf-8")
    dialog = _preview(qtbot, page, path)
    monkeypatch.setattr(catalog_io, "apply", broken)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.text() != "")
    assert dialog.error.text() == GENERIC
    assert dialog.import_button.isEnabled()
    dialog.reject()

    monkeypatch.setattr(catalog_admin, "add_department", broken)
    page.open_departments()
    departments = page.departments_dialog
    assert departments is not None
    departments.name.setText("Cremería")
    departments.add()
    qtbot.waitUntil(lambda: departments.error.text() != "")
    assert departments.error.text() == GENERIC
    departments.reject()

    monkeypatch.setattr(catalog_admin, "add_starter", broken)
    page.open_starter()
    qtbot.waitUntil(lambda: page.starter_dialog is not None and page.starter_dialog.isVisible())
    starter = page.starter_dialog
    assert starter is not None
    starter.set_checked(next(b for b, (_, item) in starter.items.items()
                             if item.flags() & Qt.ItemFlag.ItemIsEnabled))
    qtbot.mouseClick(starter.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: starter.error.text() != "")
    assert starter.error.text() == GENERIC
    assert starter.add_button.isEnabled()


def test_the_import_preview_says_which_product_a_row_renames_and_how_blanks_work(  # type: ignore[no-untyped-def]
        qtbot, ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "lista.csv"
    path.write_text(f"nombre,codigo,precio,iva\nCoca 600,{COCA},24,\n", "utf-8")
    dialog = _preview(qtbot, _page(qtbot, ctx), path)
    assert [dialog.model.index(0, c).data() for c in (1, 4)] == ["Actualiza", "se llamaba «Coca-Cola 600 ml»"]
    assert "celda vacía conserva" in dialog.help.text()


def test_an_unsaved_new_product_is_not_lost_silently(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    """Issue 12: tapping another product with a new one typed says so first; a second tap
    discards it; the back room asks before leaving it too."""
    page = _page(qtbot, ctx)
    page.new_product()
    page.editor.name.setText("Tortillas 1 kg")
    page.table.selectRow(0)
    assert page.editor.name.text() == "Tortillas 1 kg"
    assert "«Tortillas 1 kg» no está guardado" in page.error.text()
    assert page.unsaved_changes() == "El producto nuevo «Tortillas 1 kg» no está guardado."
    page.table.selectRow(1)
    qtbot.waitUntil(lambda: page.editor.name.text() == page.model.product(1).name)
    assert page.unsaved_changes() is None


def test_the_import_summary_reports_duplicate_names(  # type: ignore[no-untyped-def]
        qtbot, ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "lista.csv"
    path.write_text("nombre,codigo,precio\nPan dulce,7500000000021,8.50\n"
                    "Coca-Cola 600 ML,7500000000022,24\n", "utf-8")
    dialog = _preview(qtbot, _page(qtbot, ctx), path)
    cells = _cells(dialog)
    assert [row[:2] for row in cells] == [["2", "Nuevo"], ["3", "Duplicado"]]
    assert cells[1][4].startswith("nombre: ya hay un producto llamado «Coca-Cola 600 ml»")
    assert dialog.summary.text() == ("1 nuevo, 0 se actualizan. No se importan: 1 duplicado (ya "
                                     "hay un producto activo con ese nombre).")
    assert dialog.import_button.text() == "Importar 1 producto válido"

    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    with ctx.till.db.read() as conn:
        assert catalog.by_barcode(conn, "7500000000021") is not None
        assert catalog.by_barcode(conn, "7500000000022") is None


def test_the_import_preview_shows_a_bad_sat_key_as_its_rows_error(  # type: ignore[no-untyped-def]
        qtbot, ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "claves.csv"
    path.write_text("nombre,codigo,precio,clave_prod_serv,clave_unidad\n"
                    "Frijol,7500000000021,32,50161800,KGM\n"
                    "Arroz,7500000000022,28,501618,KGM\n", "utf-8")
    page = _page(qtbot, ctx)

    cells = _cells(_preview(qtbot, page, path))
    assert [row[:2] for row in cells] == [["2", "Nuevo"], ["3", "Error"]]
    assert cells[1][4].startswith("clave_prod_serv: la clave de producto del SAT son 8 dígitos")
