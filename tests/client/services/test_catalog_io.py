"""Catalog import/export and the product/department use cases, on a real store."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from pos_client.services import catalog_admin, catalog_io
from pos_client.services.catalog_admin import ProductDraft, ProductRefused
from pos_client.services.catalog_io import ImportRefused
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import catalog, product_records
from pos_client.store.schema import audit_events, outbox, products
from shared.tax import IvaRate

COCA = "7501055300075"  # in the small starter catalog, as «Coca-Cola 600 ml» at $22.00

BAD_CSV = """nombre,codigos,departamento,costo,precio,iva,ieps,granel,minimo
Chiles Jalapeños La Costeña 220 g,7501000000101,Abarrotes,15,21.50,0,,no,6
Galletas Marías,7501000000102,Galletas,10,-5,16,,no,
Sabritas Limón,7501000000103,Botanas,10,18,15,,no,
,7501000000104,Botanas,10,18,16,,no,
Doritos Nacho,7501000000101,Botanas,10,19,16,,no,
Cacahuates,7501000000105,Botanas,10,"12,5",16,,no,
Coca-Cola 600 ml,7501055300075,Bebidas,17.20,23.50,16,,no,24
Queso Oaxaca,,Salchichonería,90,140,0,,si,1.5
"""


def _count(db: Database, table, *where) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_bad_rows_are_reported_with_their_row_and_only_valid_rows_import(
        till: Till, stocked: Database, tmp_path: Path) -> None:
    plan = catalog_io.preview(till, _write(tmp_path, "lista.csv", BAD_CSV))

    by_row = {r.row: r for r in plan.rows}
    assert [by_row[n].status for n in range(2, 10)] == [
        "nuevo", "error", "error", "error", "error", "error", "actualiza", "nuevo"]
    assert by_row[3].errors == ("Renglón 3, precio: el importe no puede ser negativo.",)
    assert by_row[4].errors == ("Renglón 4, iva: «15» no es una tasa de IVA (16, 8, 0 o exento)",)
    assert by_row[5].errors == ("Renglón 5, nombre: el nombre no puede quedar vacío.",)
    assert by_row[6].errors == ("Renglón 6, codigos: el código 7501000000101 ya está en el renglón 2",)
    assert by_row[7].errors[0].startswith("Renglón 7, precio: «12,5» no es un importe válido")
    assert (plan.new_count, plan.update_count, plan.error_count) == (2, 1, 5)

    before = _count(stocked, products)
    outbox_before = _count(stocked, outbox)
    result = catalog_io.apply(till, plan, cashier_id=None)

    assert (result.new, result.updated) == (2, 1)
    assert _count(stocked, products) == before + 2
    assert _count(stocked, outbox) == outbox_before + 3 + 1  # three products, one audit event
    assert _count(stocked, audit_events, audit_events.c.action == "catalog_edit") == 1
    with stocked.read() as conn:
        coca = catalog.by_barcode(conn, COCA)
        assert coca is not None
        assert coca.price == 2350
        assert coca.stock_milli > 0  # same product (same id): its stock is still there
        queso = catalog.search(conn, "queso oaxaca")[0]
        assert queso.sold_by_weight
        assert queso.iva is IvaRate.TASA_CERO
        assert catalog.payload(conn, queso.id).min_stock_milli == 1500  # type: ignore[union-attr]
        for code in ("7501000000102", "7501000000103", "7501000000104"):
            assert catalog.by_barcode(conn, code) is None
        chiles = catalog.by_barcode(conn, "7501000000101")
        assert chiles is not None
        assert chiles.name == "Chiles Jalapeños La Costeña 220 g"


def test_excel_file_imports_numbers_typed_as_numbers(
        till: Till, stocked: Database, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Nombre", "Código", "Departamento", "Precio", "Precio mayoreo",
                  "Cantidad mayoreo", "IVA", "IEPS", "Activo"])
    sheet.append(["Refresco Jarritos Tamarindo", 7501000000201, "Bebidas", 18.5, 16, 12, 16, 8, "sí"])
    sheet.append(["Mazapán De la Rosa", "7501000000202", "Dulces", 6, None, None, "exento", None, None])
    sheet.append(["Chicles", "7501000000203", "Dulces", "abc", None, None, 16, None, None])
    path = tmp_path / "lista.xlsx"
    book.save(path)

    plan = catalog_io.preview(till, path)

    assert [r.status for r in plan.rows] == ["nuevo", "nuevo", "error"]
    assert plan.rows[2].errors[0].startswith("Renglón 4, precio: «abc»")
    catalog_io.apply(till, plan, cashier_id=None)
    with stocked.read() as conn:
        jarritos = catalog.payload(conn, catalog.by_barcode(conn, "7501000000201").id)  # type: ignore[union-attr]
    assert jarritos is not None
    assert (jarritos.price, jarritos.wholesale_price, jarritos.wholesale_min_milli) == (1850, 1600, 12000)
    assert jarritos.ieps_bp == 800
    assert jarritos.department == "Bebidas"


def test_windows_1252_semicolon_csv_keeps_its_accents(
        till: Till, stocked: Database, tmp_path: Path) -> None:
    text = "Nombre;Código;Departamento;Precio\r\nChiles Jalapeños;7501000000301;Abarrotes;21.50\r\n"
    path = _write(tmp_path, "excel.csv", text, encoding="cp1252")

    plan = catalog_io.preview(till, path)

    assert plan.error_count == 0
    assert plan.rows[0].name == "Chiles Jalapeños"
    catalog_io.apply(till, plan, cashier_id=None)
    with stocked.read() as conn:
        found = catalog.by_barcode(conn, "7501000000301")
    assert found is not None
    assert found.name == "Chiles Jalapeños"
    assert found.department == "Abarrotes"


@pytest.mark.parametrize("export", [catalog_io.export_csv, catalog_io.export_xlsx])
def test_an_export_reimports_as_updates_with_no_errors(
        till: Till, stocked: Database, tmp_path: Path, export) -> None:  # type: ignore[no-untyped-def]
    catalog_admin.save_product(till, ProductDraft(
        name="Tortilla a granel", price=2400, sold_by_weight=True, min_stock_milli=2500,
        wholesale_price=2200, wholesale_min_milli=5000, ieps_bp=850, department="Tortillería",
        active=False, sat_product_key="50221300", sat_unit_key="kgm"), cashier_id=None)
    path = tmp_path / ("catalogo.csv" if export is catalog_io.export_csv else "catalogo.xlsx")
    exported = export(till, path)
    with stocked.read() as conn:
        before = product_records.all_payloads(conn)

    plan = catalog_io.preview(till, path)

    assert exported == len(before) == 13
    assert (plan.error_count, plan.new_count, plan.update_count) == (0, 0, 13)
    assert [r.payload for r in plan.rows] == before  # same ids, same values: nothing would change


def test_a_file_without_the_price_column_or_too_large_is_refused(
        till: Till, stocked: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="Falta la columna «precio»"):
        catalog_io.preview(till, _write(tmp_path, "a.csv", "nombre,codigo\nPan,123\n"))
    big = tmp_path / "big.csv"
    with big.open("wb") as f:
        f.truncate(catalog_io.MAX_FILE_BYTES + 1)
    with pytest.raises(ImportRefused, match="20 MB"):
        catalog_io.preview(till, big)
    many = "nombre,precio\n" + "Pan,1\n" * (catalog_io.MAX_ROWS + 1)
    with pytest.raises(ImportRefused, match="50,000"):
        catalog_io.preview(till, _write(tmp_path, "many.csv", many))


def test_import_with_no_valid_rows_writes_nothing(till: Till, stocked: Database, tmp_path: Path) -> None:
    plan = catalog_io.preview(till, _write(tmp_path, "a.csv", "nombre,precio\nPan,-1\n"))
    before = _count(stocked, outbox)
    with pytest.raises(ImportRefused):
        catalog_io.apply(till, plan, cashier_id=None)
    assert _count(stocked, outbox) == before


# ---- saving products and departments --------------------------------------------------------


@pytest.mark.parametrize(("draft", "message"), [
    (ProductDraft(name="  ", price=100), "El nombre no puede quedar vacío."),
    (ProductDraft(name="Pan", price=-100), "El precio no puede ser negativo."),
    (ProductDraft(name="Pan", price=20_000_000), "El precio pasa del máximo de $100,000.00."),
    (ProductDraft(name="Pan", price=100, cost=-1), "El costo no puede ser negativo."),
    (ProductDraft(name="Pan", price=100, wholesale_price=120, wholesale_min_milli=6000),
     "El precio de mayoreo ($1.20) no puede ser mayor que el precio ($1.00)."),
    (ProductDraft(name="Pan", price=100, wholesale_price=90),
     "Indica desde qué cantidad aplica el mayoreo."),
    (ProductDraft(name="Pan", price=100, ieps_bp=17_000), "El IEPS debe estar entre 0 y 160 %."),
    (ProductDraft(name="Pan", price=100, barcodes=(COCA,)),
     "El código 7501055300075 ya es de «Coca-Cola 600 ml»."),
])
def test_save_product_refuses_in_spanish_and_writes_nothing(
        till: Till, stocked: Database, draft: ProductDraft, message: str) -> None:
    before = _count(stocked, outbox)
    with pytest.raises(ProductRefused) as refused:
        catalog_admin.save_product(till, draft, cashier_id=None)
    assert refused.value.message == message
    assert _count(stocked, outbox) == before


def test_departments_are_added_once_and_a_rename_moves_their_products(
        till: Till, stocked: Database, device: Device) -> None:
    dept = catalog_admin.add_department(till, "Refrescos", cashier_id=None)
    with pytest.raises(catalog_admin.DepartmentRefused, match="Ya existe"):
        catalog_admin.add_department(till, "refrescos ", cashier_id=None)
    catalog_admin.save_product(till, ProductDraft(name="Boing Mango", price=1800,
                                                             department="Refrescos"), cashier_id=None)

    moved = catalog_admin.rename_department(till, dept, "Bebidas frías", cashier_id=None)
    catalog_admin.set_department_active(till, dept, False, cashier_id=None)

    assert moved == 1
    with stocked.read() as conn:
        assert catalog.search(conn, "boing")[0].department == "Bebidas frías"
        assert "Bebidas frías" not in [d.name for d in catalog_admin.departments(till)]
        assert [d.active for d in catalog_admin.departments(till, include_inactive=True)
                if d.id == dept] == [False]


def test_delete_product_leaves_a_tombstone_and_an_audit_event(
        till: Till, stocked: Database, device: Device) -> None:
    with stocked.read() as conn:
        coca = catalog.by_barcode(conn, COCA)
    assert coca is not None
    catalog_admin.delete_product(till, coca.id, cashier_id=None)
    assert _count(stocked, products, products.c.id == str(coca.id), products.c.deleted == 1) == 1
    assert _count(stocked, audit_events, audit_events.c.subject_id == str(coca.id)) == 1
    with pytest.raises(Exception, match="no existe"):
        catalog_admin.delete_product(till, uuid.uuid4(), cashier_id=None)


def test_exported_xlsx_keeps_barcodes_as_text(till: Till, stocked: Database, tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    catalog_io.export_xlsx(till, path)
    sheet = load_workbook(path, read_only=True).worksheets[0]
    codes = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert COCA in codes


# ---- review fixes: which product a row updates, blank cells, formula cells ------------------


def _payload(db: Database, product_id: uuid.UUID):  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return catalog.payload(conn, product_id)


def test_a_code_shared_with_an_inactive_or_deleted_product_updates_the_active_one(
        till: Till, stocked: Database, tmp_path: Path) -> None:
    coca_id = catalog_admin.save_product(till, ProductDraft(
        name="Coca-Cola 600 ml vieja", price=1500, barcodes=(COCA,), active=False), cashier_id=None).id
    gone = catalog_admin.save_product(till, ProductDraft(
        name="Coca-Cola borrada", price=1400, barcodes=(COCA,), active=False), cashier_id=None).id
    catalog_admin.delete_product(till, gone, cashier_id=None)
    with stocked.read() as conn:
        selling = catalog.by_barcode(conn, COCA)
    assert selling is not None
    assert selling.name == "Coca-Cola 600 ml"  # the one the till sells

    text = f"nombre,codigos,precio\nCoca 600,{COCA},25\n"
    plan = catalog_io.preview(till, _write(tmp_path, "l.csv", text))
    catalog_io.apply(till, plan, cashier_id=None)

    assert [r.status for r in plan.rows] == ["actualiza"]
    assert plan.rows[0].payload is not None
    assert plan.rows[0].payload.id == selling.id
    assert plan.rows[0].notes == ("se llamaba «Coca-Cola 600 ml»",)
    updated, old = _payload(stocked, selling.id), _payload(stocked, coca_id)
    assert (updated.name, updated.price) == ("Coca 600", 2500)  # type: ignore[union-attr]
    assert (old.name, old.price, old.active) == ("Coca-Cola 600 ml vieja", 1500, False)  # type: ignore[union-attr]


def test_a_code_of_two_active_products_is_a_row_error(
        till: Till, stocked: Database, tmp_path: Path) -> None:
    twin = catalog_admin.save_product(till, ProductDraft(
        name="Coca gemela", price=1500, barcodes=(COCA,), active=False), cashier_id=None)
    with stocked.write() as conn:  # two devices each gave the code to an active product
        conn.execute(products.update().where(products.c.id == str(twin.id)).values(active=1))

    plan = catalog_io.preview(till, _write(tmp_path, "l.csv", f"nombre,codigos,precio\nCoca,{COCA},25\n"))

    assert [r.status for r in plan.rows] == ["error"]
    assert plan.rows[0].errors == (
        f"Renglón 2, codigos: el código {COCA} es de 2 productos activos («Coca gemela» y "
        "«Coca-Cola 600 ml»); deja ese código en uno solo antes de importar",)


def test_blank_cells_keep_the_stored_values_of_an_existing_product(
        till: Till, stocked: Database, tmp_path: Path) -> None:
    kept = catalog_admin.save_product(till, ProductDraft(
        name="Queso Cotija", price=16000, cost=11000, barcodes=("2000100", "2000101"),
        department="Cremería", iva=IvaRate.TASA_CERO, ieps_bp=0, sold_by_weight=True,
        min_stock_milli=1500, active=False, wholesale_price=15000, wholesale_min_milli=3000),
        cashier_id=None)
    header = ",".join(catalog_io.COLUMNS)
    text = (f"{header}\nQueso Cotija,,,,170,,,,,,,\n"  # found by name: every blank cell kept
            f"Nuevo con blancos,2000200,,,10,,,,,,,\n")  # new: blanks take the defaults

    plan = catalog_io.preview(till, _write(tmp_path, "l.csv", text))
    catalog_io.apply(till, plan, cashier_id=None)

    assert [r.status for r in plan.rows] == ["actualiza", "nuevo"]
    after = _payload(stocked, kept.id)
    assert after == kept.model_copy(update={"price": 17000})
    assert plan.rows[1].payload is not None
    new = plan.rows[1].payload
    assert (new.iva, new.active, new.cost, new.min_stock_milli, new.department, new.sold_by_weight) == (
        IvaRate.GENERAL, True, 0, 0, None, False)


def test_export_writes_formula_like_text_as_text_and_reimports_it_unchanged(
        till: Till, stocked: Database, tmp_path: Path) -> None:
    evil = catalog_admin.save_product(till, ProductDraft(
        name='=HYPERLINK("http://malo.example","Clic")', price=1000, barcodes=("-77",),
        department="+Ofertas"), cashier_id=None)
    csv_path, xlsx_path = tmp_path / "c.csv", tmp_path / "c.xlsx"
    catalog_io.export_csv(till, csv_path)
    catalog_io.export_xlsx(till, xlsx_path)

    raw = csv_path.read_text("utf-8-sig")
    assert '"\'=HYPERLINK(""http://malo.example"",""Clic"")",\'-77,\'+Ofertas,0.00,10.00' in raw
    sheet = load_workbook(xlsx_path).worksheets[0]
    row = next(r for r in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(r[0].value))
    assert [c.data_type for c in row[:3]] == ["s", "s", "s"]
    assert [c.value for c in row[:3]] == ['\'=HYPERLINK("http://malo.example","Clic")', "'-77", "'+Ofertas"]
    assert row[4].value == "10.00"
    for path in (csv_path, xlsx_path):
        plan = catalog_io.preview(till, path)
        assert plan.error_count == 0
        assert next(r.payload for r in plan.rows if r.payload and r.payload.id == evil.id) == evil


TWINS_CSV = """nombre,codigos,precio
coca-cola  600 ML,7500000000301,23
Coca-Cola 600 ml,7501055300075,24
Jamón Virginia,7500000000302,90
jamon virginia,7500000000303,95
Jamón Virginia,,91
"""


def test_a_row_named_like_another_active_product_is_a_duplicate_and_is_not_created(
        till: Till, stocked: Database, tmp_path: Path) -> None:
    """Another code under an existing name would make a second «Coca-Cola 600 ml» at the counter:
    reported as a duplicate and left out. The product's own code updates it; within the file,
    the second row making «Jamón Virginia» (accents, case and spaces aside) is a duplicate, and
    a row without codes is about the product of that name."""
    before = _count(stocked, products)
    plan = catalog_io.preview(till, _write(tmp_path, "lista.csv", TWINS_CSV))

    assert [r.status for r in plan.rows] == ["duplicado", "actualiza", "nuevo", "duplicado",
                                             "duplicado"]
    assert plan.rows[0].payload is None
    assert plan.rows[0].errors[0].startswith(
        "Renglón 2, nombre: ya hay un producto llamado «Coca-Cola 600 ml» con otro código")
    assert plan.rows[3].errors == ("Renglón 5, nombre: el renglón 4 ya trae un producto con ese "
                                   "nombre; no se crea otro",)
    assert (plan.new_count, plan.update_count, plan.duplicate_count, plan.error_count) == (
        1, 1, 3, 0)

    catalog_io.apply(till, plan, cashier_id=None)
    assert _count(stocked, products) == before + 1
    with stocked.read() as conn:
        assert catalog.by_barcode(conn, "7500000000301") is None
        assert catalog.by_barcode(conn, COCA).price == 2400  # type: ignore[union-attr]
        assert catalog.by_barcode(conn, "7500000000302") is not None


def test_a_twin_made_after_the_preview_refuses_the_import_whole(
        till: Till, stocked: Database, tmp_path: Path) -> None:
    plan = catalog_io.preview(till, _write(tmp_path, "lista.csv",
                                           "nombre,codigos,precio\nPan Bimbo,7500000000311,45\n"))
    assert [r.status for r in plan.rows] == ["nuevo"]
    catalog_admin.save_product(till, ProductDraft(name="pan bimbo", price=4400,
                                                  barcodes=("7500000000312",)), None)
    with pytest.raises(ImportRefused) as refused:
        catalog_io.apply(till, plan, cashier_id=None)
    assert refused.value.code == "name_taken"
    assert refused.value.message.startswith("Renglón 2: ya hay un producto llamado «pan bimbo».")
    with stocked.read() as conn:
        assert catalog.by_barcode(conn, "7500000000311") is None


def test_the_form_reads_names_as_the_import_does(till: Till, stocked: Database) -> None:
    with pytest.raises(ProductRefused) as refused:
        catalog_admin.save_product(till, ProductDraft(name="COCA-COLA  600 ML", price=100), None)
    assert refused.value.code == "name_taken"


def test_a_row_without_codes_updates_the_active_product_of_its_name_not_the_one_it_replaced(
        till: Till, stocked: Database, tmp_path: Path) -> None:
    """A product switched off and replaced by a new one of the same name (the rule allows one
    active product per name): a price list by name updates the one the till sells, as a code
    shared with an inactive product does."""
    catalog_admin.save_product(till, ProductDraft(name="Pan Dulce", price=1000,
                                                  barcodes=("7500000000901",)), None)
    catalog_io.apply(till, catalog_io.preview(till, _write(
        tmp_path, "baja.csv", "nombre,codigos,precio,activo\nPan Dulce,7500000000901,,no\n")), None)
    catalog_admin.save_product(till, ProductDraft(name="pan dulce", price=1100,
                                                  barcodes=("7500000000902",)), None)

    plan = catalog_io.preview(till, _write(tmp_path, "precios.csv", "nombre,precio\nPán  dulce,12\n"))
    assert [(r.status, r.errors) for r in plan.rows] == [("actualiza", ())]
    catalog_io.apply(till, plan, cashier_id=None)
    with stocked.read() as conn:
        assert catalog.by_barcode(conn, "7500000000902").price == 1200  # type: ignore[union-attr]
        replaced = [p for p in product_records.all_payloads(conn) if "7500000000901" in p.barcodes]
    assert [(p.active, p.price) for p in replaced] == [(False, 1000)]  # left alone


def test_sat_keys_import_checked_by_the_form_rule_and_a_file_without_them_keeps_them(
        till: Till, stocked: Database, tmp_path: Path) -> None:
    kept = catalog_admin.save_product(till, ProductDraft(
        name="Refresco de cola 2 l", price=3800, barcodes=("2000300",),
        sat_product_key="50202306", sat_unit_key="H87"), cashier_id=None)
    text = ("nombre,codigos,precio,Clave SAT,Unidad SAT\n"
            "Frijol a granel,2000400,32,50161800,kgm\n"
            "Sin claves,2000401,10,,\n"
            "Clave corta,2000402,10,5020230,\n"
            "Unidad rara,2000403,10,50202306,kilo\n")
    plan = catalog_io.preview(till, _write(tmp_path, "claves.csv", text))

    assert [r.status for r in plan.rows] == ["nuevo", "nuevo", "error", "error"]
    frijol, plain = (r.payload for r in plan.rows[:2])
    assert frijol is not None
    assert plain is not None
    assert (frijol.sat_product_key, frijol.sat_unit_key) == ("50161800", "KGM")
    assert (plain.sat_product_key, plain.sat_unit_key) == (None, None)  # 01010101 and H87
    assert plan.rows[2].errors == ("Renglón 4, clave_prod_serv: la clave de producto del SAT son 8 "
                                   "dígitos (por ejemplo 50202306, refrescos); déjala vacía para "
                                   "usar 01010101.",)
    assert plan.rows[3].errors[0].startswith("Renglón 5, clave_unidad: la clave de unidad del SAT")

    old_file = "nombre,codigos,precio\nRefresco de cola 2 l,2000300,39\n"  # no SAT columns
    catalog_io.apply(till, catalog_io.preview(till, _write(tmp_path, "viejo.csv", old_file)),
                     cashier_id=None)
    assert _payload(stocked, kept.id) == kept.model_copy(update={"price": 3900})
