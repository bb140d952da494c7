"""Catalog import (CSV, Excel) with a per-row preview, and export in the same columns.

Which product a row is about: the one with its barcodes (the active one when an inactive
product keeps an old copy of the code, as the till does), else, for a row without codes, the
one with its name. A code that two active products answer to makes the row an error: the
import cannot tell which one the owner means.

Empty cells: on a row that updates an existing product, an empty cell keeps the stored value,
as a column missing from the file does (a price list with only ``nombre, codigos, precio``
filled must not wipe codes, switch a 0 % product to 16 % or reactivate an inactive one). On a
new product an empty cell means the default (no code, IVA 16 %, cost 0, active). To clear a
value, use the product editor.

Export writes text typed by people through :func:`safe_text` (a name like ``=HYPERLINK(…)``
opens as text in Excel); import removes that apostrophe again, so an export re-imports as is.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, select

from pos_client.services import staff
from pos_client.services.catalog_admin import (
    ProductDraft,
    ProductRefused,
    barcode_owners,
    parse_pct,
    parse_qty,
    pct_text,
    problems,
    to_payload,
)
from pos_client.services.files import safe_text
from pos_client.store.apply import apply_changes
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import outbox
from pos_client.store.schema import product_barcodes, products
from shared.clock import utc_now
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.money import parse_mxn
from shared.permissions import Permission
from shared.quantity import quantity_text
from shared.sync.envelopes import Change, make_change
from shared.sync.payloads import ProductPayload
from shared.tax import IvaRate

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
COLUMNS = ("nombre", "codigos", "departamento", "costo", "precio", "precio_mayoreo",
           "cantidad_mayoreo", "granel", "iva", "ieps", "minimo", "activo")
_ALIASES = {
    "nombre": "nombre", "producto": "nombre", "descripcion": "nombre",
    "codigo": "codigos", "codigos": "codigos", "codigo_de_barras": "codigos",
    "codigos_de_barras": "codigos", "departamento": "departamento", "depto": "departamento",
    "categoria": "departamento", "costo": "costo", "precio": "precio", "precio_venta": "precio",
    "precio_de_venta": "precio", "precio_mayoreo": "precio_mayoreo", "mayoreo": "precio_mayoreo",
    "cantidad_mayoreo": "cantidad_mayoreo", "mayoreo_desde": "cantidad_mayoreo",
    "granel": "granel", "a_granel": "granel", "iva": "iva", "ieps": "ieps", "minimo": "minimo",
    "existencia_minima": "minimo", "stock_minimo": "minimo", "activo": "activo",
}
_YES = {"si", "s", "1", "x", "verdadero", "true", "granel", "activo"}
_NO = {"no", "n", "0", "falso", "false", "pieza", "inactivo", ""}
_IVA = {"16": IvaRate.GENERAL, "8": IvaRate.FRONTERA, "0": IvaRate.TASA_CERO,
        "exento": IvaRate.EXENTO, "exenta": IvaRate.EXENTO}


class ImportRefused(DomainError):
    code = "import_refused"


Status = Literal["nuevo", "actualiza", "error"]


@dataclass(frozen=True, slots=True)
class RowResult:
    row: int  # the spreadsheet's row number (the header is row 1)
    name: str
    status: Status
    payload: ProductPayload | None = None
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the owner should notice on a valid row (a rename, …)


@dataclass(frozen=True, slots=True)
class ImportPreview:
    rows: list[RowResult]
    ignored_columns: tuple[str, ...] = ()

    @property
    def new_count(self) -> int:
        return sum(r.status == "nuevo" for r in self.rows)

    @property
    def update_count(self) -> int:
        return sum(r.status == "actualiza" for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(r.status == "error" for r in self.rows)

    @property
    def valid(self) -> list[RowResult]:
        return [r for r in self.rows if r.payload is not None]


@dataclass(frozen=True, slots=True)
class ImportResult:
    new: int
    updated: int


def _key(header: str) -> str:
    """``"Código de barras"`` → ``"codigo_de_barras"``: headers match ignoring case and accents."""
    plain = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    return re.sub(r"[\s\-]+", "_", plain.strip().lower())


def _cell(value: Any) -> str:
    """A cell as the text a person sees; Excel stores 12.5 and 7501055300075 as numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "si" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value).strip()


def _unquoted(text: str) -> str:
    """Undo :func:`safe_text`: ``'=SUMA`` as exported comes back as ``=SUMA``; a name that
    merely starts with an apostrophe (``'90s``) is left alone."""
    if text.startswith("'") and safe_text(text[1:]) != text[1:]:
        return text[1:]
    return text


# ---- reading files --------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")  # what Excel on Windows saves as "CSV"
    except UnicodeDecodeError:
        raise ImportRefused("No se pudo leer el archivo: no es texto UTF-8 ni Windows-1252.",
                            code="bad_encoding") from None


def _csv_rows(path: Path) -> Iterator[list[str]]:
    text = _decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [c.strip() for c in row]


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook  # only needed when someone imports a spreadsheet
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except OSError:
        raise  # locked by Excel, missing: the caller says so, not "damaged"
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise ImportRefused("No se pudo abrir el archivo de Excel (.xlsx). ¿Está dañado?",
                            code="bad_xlsx") from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    finally:
        book.close()


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-empty rows with their spreadsheet row numbers."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportRefused("El archivo pasa de 20 MB; divídelo en partes más chicas.",
                            code="file_too_big")
    source = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, values in enumerate(source, start=1):
        if header is None:
            header = values
            continue
        if any(values):
            rows.append((number, values))
            if len(rows) > MAX_ROWS:
                raise ImportRefused(f"El archivo pasa de {MAX_ROWS:,} productos; divídelo en partes.",
                                    code="too_many_rows")
    if header is None:
        raise ImportRefused("El archivo está vacío.", code="empty_file")
    return header, rows


def _columns(header: list[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    index: dict[str, int] = {}
    ignored = []
    for i, title in enumerate(header):
        column = _ALIASES.get(_key(title))
        if column is None:
            if title:
                ignored.append(title)
        elif column in index:
            raise ImportRefused(f"La columna «{column}» aparece dos veces.", code="bad_header")
        else:
            index[column] = i
    for required in ("nombre", "precio"):
        if required not in index:
            raise ImportRefused(f"Falta la columna «{required}» en el primer renglón. Columnas: "
                                + ", ".join(COLUMNS), code="bad_header")
    return index, tuple(ignored)


# ---- one row --------------------------------------------------------------------------------


class _CellError(Exception):
    pass


def _lower_first(message: str) -> str:
    return message[:1].lower() + message[1:] if message[1:2].islower() else message


def _money(text: str) -> int:
    try:
        return parse_mxn(text)
    except DomainError as exc:
        raise _CellError(_lower_first(exc.message)) from None


def _flag(text: str) -> bool:
    key = _key(text)
    if key in _YES or key in _NO:
        return key in _YES
    raise _CellError(f"«{text}» no es sí ni no")


def _iva(text: str) -> IvaRate:
    rate = _IVA.get(_key(text).removesuffix("%").strip())
    if rate is None:
        raise _CellError(f"«{text}» no es una tasa de IVA (16, 8, 0 o exento)")
    return rate


def _ieps_bp(text: str) -> int:
    try:
        return parse_pct(text)
    except ProductRefused as exc:
        raise _CellError(exc.message) from None


def _qty_milli(text: str, by_weight: bool) -> int:
    try:
        return parse_qty(text, by_weight, "")
    except ProductRefused as exc:
        raise _CellError(exc.message) from None


def _codes(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in re.split(r"[|\s]+", text) if c))


@dataclass
class _Catalog:
    """The store's products as the import sees them: by id, by barcode and by name.

    A code may have several owners: an inactive product keeps its codes, and the product
    that replaced it at the till can answer to the same one.
    """

    by_id: dict[uuid.UUID, ProductPayload]
    by_code: dict[str, list[uuid.UUID]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list[uuid.UUID]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for p in self.by_id.values():
            for code in p.barcodes:
                self.by_code[code].append(p.id)
            self.by_name[p.name.casefold()].append(p.id)

    def owners(self, code: str) -> list[uuid.UUID]:
        return self.by_code.get(code, [])

    def names(self, ids: list[uuid.UUID]) -> str:
        return " y ".join(f"«{n}»" for n in sorted((self.by_id[i].name for i in ids[:2]), key=str.casefold))


def all_products(conn: Connection) -> list[ProductPayload]:
    """Every product not deleted (inactive ones too), with its barcodes, by name."""
    codes: dict[str, list[str]] = defaultdict(list)
    for r in conn.execute(select(product_barcodes).join(
            products, products.c.id == product_barcodes.c.product_id).where(products.c.deleted == 0)
            .order_by(product_barcodes.c.barcode)):
        codes[r.product_id].append(r.barcode)
    rows = conn.execute(select(products).where(products.c.deleted == 0)
                        .order_by(products.c.name.collate("NOCASE"), products.c.id))
    return [ProductPayload(
        id=uuid.UUID(r.id), name=r.name, barcodes=codes[r.id], department=r.department,
        price=r.price, cost=r.cost, iva=IvaRate(r.iva), ieps_bp=r.ieps_bp,
        sold_by_weight=bool(r.sold_by_weight), min_stock_milli=r.min_stock_milli,
        active=bool(r.active), wholesale_price=r.wholesale_price,
        wholesale_min_milli=r.wholesale_min_milli) for r in rows]


def _match(store: _Catalog, name: str, codes: tuple[str, ...] | None) -> ProductPayload | None:
    """The existing product a row is about: by its barcodes, else (no barcodes) by its name.

    The active owner of a code wins over inactive ones: it is the product the till sells.
    """
    if codes:
        for code in codes:
            active = [i for i in store.owners(code) if store.by_id[i].active]
            if len(active) > 1:
                raise _CellError(f"codigos: el código {code} es de {len(active)} productos activos "
                                 f"({store.names(active)}); deja ese código en uno solo antes de importar")
        owners = list(dict.fromkeys(i for c in codes for i in store.owners(c)))
        ids = [i for i in owners if store.by_id[i].active] or owners
        if len(ids) > 1:
            raise _CellError(f"codigos: esos códigos son de productos distintos ({store.names(ids)})")
        return store.by_id[ids[0]] if ids else None
    same = store.by_name.get(name.strip().casefold(), [])
    if len(same) > 1:
        raise _CellError(f"nombre: hay {len(same)} productos llamados así; agrega su código")
    return store.by_id[same[0]] if same else None


def _draft(get: dict[str, str], base: ProductPayload | None, errors: list[str]) -> ProductDraft:
    """A draft from a row's cells. On an existing product a column the file lacks, or an empty
    cell, keeps the stored value; on a new one an empty cell is the default."""
    start = ProductDraft.of(base) if base else ProductDraft(name="", price=0)
    fields: dict[str, Any] = {"id": base.id if base else new_uuid7()}
    by_weight = start.sold_by_weight
    readers: list[tuple[str, str, Any]] = [
        ("granel", "sold_by_weight", _flag), ("nombre", "name", str),
        ("codigos", "barcodes", _codes), ("departamento", "department", lambda t: t or None),
        ("costo", "cost", lambda t: _money(t) if t else 0), ("precio", "price", _money),
        ("precio_mayoreo", "wholesale_price", lambda t: _money(t) if t else None),
        ("cantidad_mayoreo", "wholesale_min_milli", lambda t: _qty_milli(t, by_weight) if t else 0),
        ("iva", "iva", lambda t: _iva(t) if t else IvaRate.GENERAL),
        ("ieps", "ieps_bp", lambda t: _ieps_bp(t) if t else 0),
        ("minimo", "min_stock_milli", lambda t: _qty_milli(t, by_weight) if t else 0),
        ("activo", "active", lambda t: _flag(t) if t else True),
    ]
    for column, attr, read in readers:
        if column not in get or (base is not None and not get[column]):
            continue
        try:
            fields[attr] = read(get[column])
        except _CellError as exc:
            errors.append(f"{column}: {exc}")
        if attr == "sold_by_weight":
            by_weight = fields.get(attr, by_weight)
    return replace(start, **fields)


def _row_result(number: int, get: dict[str, str], store: _Catalog) -> RowResult:
    name = get.get("nombre", "")
    errors: list[str] = []
    try:
        base = _match(store, name, _codes(get["codigos"]) if "codigos" in get else None)
    except _CellError as exc:
        return RowResult(number, name, "error", errors=(f"Renglón {number}, {exc}",))
    draft = _draft(get, base, errors)
    errors += [f"{p.field}: {_lower_first(p.message)}" for p in problems(draft)]
    if errors:
        return RowResult(number, name, "error", errors=tuple(f"Renglón {number}, {e}" for e in errors))
    payload = to_payload(draft)
    return RowResult(number, name, "actualiza" if base else "nuevo", payload=payload,
                     notes=_notes(base, payload))


def _notes(base: ProductPayload | None, after: ProductPayload) -> tuple[str, ...]:
    """What the preview should point out about an update, so a wrong match shows before import."""
    if base is None:
        return ()
    notes = []
    if base.name != after.name:
        notes.append(f"se llamaba «{base.name}»")
    if base.active != after.active:
        notes.append("se vuelve a vender" if after.active else "deja de venderse")
    elif not after.active:
        notes.append("está inactivo")
    return tuple(notes)


def _no_repeats(results: list[RowResult]) -> list[RowResult]:
    """A barcode or a product may appear once per file; later rows repeating one are errors."""
    seen_code: dict[str, int] = {}
    seen_id: dict[uuid.UUID, int] = {}
    out = []
    for r in results:
        errors = []
        if r.payload is not None:
            for code in r.payload.barcodes:
                if code in seen_code:
                    errors.append(f"Renglón {r.row}, codigos: el código {code} ya está en el "
                                  f"renglón {seen_code[code]}")
                else:
                    seen_code[code] = r.row
            if r.payload.id in seen_id and not errors:
                errors.append(f"Renglón {r.row}, nombre: es el mismo producto del renglón "
                              f"{seen_id[r.payload.id]}")
            seen_id.setdefault(r.payload.id, r.row)
        out.append(RowResult(r.row, r.name, "error", errors=tuple(errors)) if errors else r)
    return out


def preview(db: Database, path: Path) -> ImportPreview:
    """Read a file and say, row by row, what importing it would do. Writes nothing."""
    header, rows = read_table(Path(path))
    index, ignored = _columns(header)
    with db.read() as conn:
        store = _Catalog({p.id: p for p in all_products(conn)})
    results = []
    for number, values in rows:
        get = {col: (_unquoted(values[i]) if i < len(values) else "") for col, i in index.items()}
        results.append(_row_result(number, get, store))
    return ImportPreview(_no_repeats(results), ignored)


def apply(db: Database, device: Device, plan: ImportPreview, cashier_id: uuid.UUID | None,
          *, authorized_by: uuid.UUID | None = None) -> ImportResult:
    """Import every valid row in one transaction: all of them or, on any refusal, none."""
    valid = plan.valid
    if not valid:
        raise ImportRefused("No hay renglones válidos para importar.", code="nothing_to_import")
    now = utc_now()
    with db.write() as conn:
        staff.guard(conn, cashier_id, authorized_by, Permission.EDIT_CATALOG)
        for r in valid:
            assert r.payload is not None
            if r.payload.active and (clash := barcode_owners(conn, r.payload.barcodes, r.payload.id)):
                code, owner = next(iter(sorted(clash.items())))
                raise ImportRefused(f"Renglón {r.row}: el código {code} ya es de «{owner}». "
                                    "Vuelve a revisar el archivo.", code="barcode_taken")
        seq = outbox.next_seq(conn)
        changes: list[Change] = [
            make_change("product", r.payload, change_id=new_uuid7(), device_seq=seq + i,
                        hlc=device.clock.now(), created_at=now, op="upsert")
            for i, r in enumerate(valid) if r.payload is not None]
        apply_changes(conn, [(c, device.device_id) for c in changes])
        for change in changes:
            outbox.append(conn, change)
        result = ImportResult(new=sum(r.status == "nuevo" for r in valid),
                              updated=sum(r.status == "actualiza" for r in valid))
        staff.audit(conn, device, "catalog_edit", cashier_id=cashier_id,
                    authorized_by=authorized_by,
                    detail=f"Importación: {result.new} nuevos, {result.updated} actualizados")
    return result


# ---- export ---------------------------------------------------------------------------------


def _money_text(amount: int | None) -> str:
    return "" if amount is None else f"{amount // 100}.{amount % 100:02d}"


def export_row(p: ProductPayload) -> list[str]:
    """One product as cells; what people typed goes through :func:`safe_text`, numbers do not."""
    return [
        safe_text(p.name), safe_text("|".join(p.barcodes)), safe_text(p.department or ""),
        _money_text(p.cost), _money_text(p.price),
        _money_text(p.wholesale_price),
        quantity_text(p.wholesale_min_milli) if p.wholesale_price is not None else "",
        "si" if p.sold_by_weight else "no", p.iva.value, pct_text(p.ieps_bp),
        quantity_text(p.min_stock_milli), "si" if p.active else "no",
    ]


def export_csv(conn: Connection, path: Path) -> int:
    """UTF-8 with a BOM, so Excel shows the accents right; returns how many products."""
    items = all_products(conn)
    with Path(path).open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(export_row(p) for p in items)
    return len(items)


def export_xlsx(conn: Connection, path: Path) -> int:
    from openpyxl import Workbook

    items = all_products(conn)
    # The file is opened first: a path Excel keeps locked fails here, before openpyxl has
    # started a sheet it would then leave half-written.
    with Path(path).open("wb") as out:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Productos")
        sheet.append(list(COLUMNS))
        for p in items:
            sheet.append(export_row(p))  # all text: Excel would turn 0750… codes into numbers
        book.save(out)
    return len(items)

