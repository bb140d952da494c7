"""Catalog import (CSV, Excel) with a per-row preview, and export in the same columns.

Which product a row is about: the one with its barcodes (the active one when an inactive
product keeps an old copy of the code, as the till does), else, for a row without codes, the
one with its name. A code that two active products answer to makes the row an error: the
import cannot tell which one the owner means.

Twin names: a row that would make a second active product with the name of another one (as
people read names: shared.catalog.name_key, the product form's rule) is a ``duplicado``, shown
in the preview and not imported. Usually it is the same product under another barcode: the
owner adds that code to the product (or imports the row with the product's own code, which
updates it), or gives the new product a name that tells them apart (with its presentation).

Empty cells: on a row that updates an existing product, an empty cell keeps the stored value,
as a column missing from the file does (a price list with only ``nombre, codigos, precio``
filled must not wipe codes, switch a 0 % product to 16 % or reactivate an inactive one). On a
new product an empty cell means the default (no code, IVA 16 %, cost 0, active; no SAT keys:
01010101 and H87/KGM on the invoice). To clear a value, use the product editor. SAT's keys
(``clave_prod_serv``, ``clave_unidad``) are optional columns, checked with the product form's
rule (``shared.fiscal``); a bad one is the row's error in the preview.

Reading and writing the files themselves (encodings, Excel, column names, formula-safe cells)
is :mod:`catalog_sheets`' part.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pos_client.services import catalog_sheets, local, staff
from pos_client.services.catalog_admin import (
    ProductDraft,
    ProductRefused,
    parse_pct,
    parse_qty,
    problems,
    to_payload,
)
from pos_client.services.catalog_sheets import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportRefused,
    columns_of,
    plain_key,
    read_table,
    unquoted,
)
from pos_client.services.files import file_problem
from pos_client.services.till import Till
from pos_client.store.apply import apply_changes
from pos_client.store.repositories import outbox, product_records
from shared.catalog import name_key
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.money import parse_mxn
from shared.permissions import Permission
from shared.spanish import count
from shared.sync.envelopes import Change, make_change
from shared.sync.payloads import ProductPayload
from shared.tax import IvaRate

__all__ = ["COLUMNS", "MAX_FILE_BYTES", "MAX_ROWS", "ImportRefused"]

_YES = {"si", "s", "1", "x", "verdadero", "true", "granel", "activo"}
_NO = {"no", "n", "0", "falso", "false", "pieza", "inactivo", ""}
_IVA = {"16": IvaRate.GENERAL, "8": IvaRate.FRONTERA, "0": IvaRate.TASA_CERO,
        "exento": IvaRate.EXENTO, "exenta": IvaRate.EXENTO}

# The product form's field names for SAT's keys, as the file's columns name them.
_COLUMN_OF = {"clave_sat": "clave_prod_serv", "unidad_sat": "clave_unidad"}

Status = Literal["nuevo", "actualiza", "duplicado", "error"]


@dataclass(frozen=True, slots=True)
class RowResult:
    row: int  # the spreadsheet's row number (the header is row 1)
    name: str
    status: Status
    payload: ProductPayload | None = None
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the owner should notice on a valid row (a rename, …)
    new_name: bool = False  # its name must not be another active product's (_names_checked)


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
    def duplicate_count(self) -> int:
        return sum(r.status == "duplicado" for r in self.rows)

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
    key = plain_key(text)
    if key in _YES or key in _NO:
        return key in _YES
    raise _CellError(f"«{text}» no es sí ni no")


def _iva(text: str) -> IvaRate:
    rate = _IVA.get(plain_key(text).removesuffix("%").strip())
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
            self.by_name[name_key(p.name)].append(p.id)

    def active_twin(self, payload: ProductPayload) -> ProductPayload | None:
        """Another active product with ``payload``'s name, if any."""
        return next((self.by_id[i] for i in self.by_name.get(name_key(payload.name), [])
                     if i != payload.id and self.by_id[i].active), None)

    def owners(self, code: str) -> list[uuid.UUID]:
        return self.by_code.get(code, [])

    def names(self, ids: list[uuid.UUID]) -> str:
        return " y ".join(f"«{n}»" for n in sorted((self.by_id[i].name for i in ids[:2]), key=str.casefold))


def _match(store: _Catalog, name: str, codes: tuple[str, ...] | None) -> ProductPayload | None:
    """The existing product a row is about: by its barcodes, else (no barcodes) by its name.

    The active owner of a code or a name wins over inactive ones: it is the product the till
    sells (a product switched off and replaced by a new one of its name is left alone).
    """
    if codes:
        for code in codes:
            active = [i for i in store.owners(code) if store.by_id[i].active]
            if len(active) > 1:
                raise _CellError(f"codigos: el código {code} es de {count(len(active), 'producto')} activos "
                                 f"({store.names(active)}); deja ese código en uno solo antes de importar")
        owners = list(dict.fromkeys(i for c in codes for i in store.owners(c)))
        ids = [i for i in owners if store.by_id[i].active] or owners
        if len(ids) > 1:
            raise _CellError(f"codigos: esos códigos son de productos distintos ({store.names(ids)})")
        return store.by_id[ids[0]] if ids else None
    named = store.by_name.get(name_key(name), [])
    same = [i for i in named if store.by_id[i].active] or named
    if len(same) > 1:
        raise _CellError(f"nombre: hay {count(len(same), 'producto')} llamados así; agrega su código")
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
        # Checked with the product form's rule (shared.fiscal, through catalog_admin.problems).
        ("clave_prod_serv", "sat_product_key", lambda t: t or None),
        ("clave_unidad", "sat_unit_key", lambda t: t or None),
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
    errors += [f"{_COLUMN_OF.get(p.field, p.field)}: {_lower_first(p.message)}"
               for p in problems(draft)]
    if errors:
        return RowResult(number, name, "error", errors=tuple(f"Renglón {number}, {e}" for e in errors))
    payload = to_payload(draft)
    checked = _names_checked(base, payload)
    twin = store.active_twin(payload) if checked else None
    if twin is not None:
        return RowResult(number, name, "duplicado", errors=(
            f"Renglón {number}, nombre: ya hay un producto llamado «{twin.name}» con otro "
            "código; no se crea otro. Si es el mismo, agrega este código a ese producto; si no, "
            "dale un nombre que los distinga (por ejemplo con la presentación)",))
    return RowResult(number, name, "actualiza" if base else "nuevo", payload=payload,
                     notes=_notes(base, payload), new_name=checked)


def _names_checked(base: ProductPayload | None, after: ProductPayload) -> bool:
    """Whether a row's name must not be another active product's: a new active product, a
    rename, a product switched back on (the product form's rule, catalog_admin.refuse_twin_name)."""
    return after.active and (base is None or not base.active
                             or name_key(base.name) != name_key(after.name))


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
    """A barcode or a product may appear once per file; later rows repeating one are errors.
    Two rows making active products of one name: the later one is a ``duplicado``."""
    seen_code: dict[str, int] = {}
    seen_id: dict[uuid.UUID, int] = {}
    seen_name: dict[str, int] = {}
    out = []
    for r in results:
        errors = []
        if r.payload is not None and r.payload.active:
            key = name_key(r.payload.name)
            if key in seen_name and r.new_name:
                out.append(RowResult(r.row, r.name, "duplicado", errors=(
                    f"Renglón {r.row}, nombre: el renglón {seen_name[key]} ya trae un producto "
                    "con ese nombre; no se crea otro",)))
                continue
            seen_name.setdefault(key, r.row)
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


def preview(till: Till, path: Path) -> ImportPreview:
    """Read a file and say, row by row, what importing it would do. Writes nothing."""
    path = Path(path)
    try:
        header, rows = read_table(path)
    except OSError as exc:  # locked by Excel, gone, no permission: said in Spanish
        raise file_problem(exc, path, "abrir") from exc
    index, ignored = columns_of(header)
    with till.db.read() as tx:
        store = _Catalog({p.id: p for p in product_records.all_payloads(tx)})
    results = []
    for number, values in rows:
        get = {col: (unquoted(values[i]) if i < len(values) else "") for col, i in index.items()}
        results.append(_row_result(number, get, store))
    return ImportPreview(_no_repeats(results), ignored)


def apply(till: Till, plan: ImportPreview, cashier_id: uuid.UUID | None,
          *, authorized_by: uuid.UUID | None = None) -> ImportResult:
    """Import every valid row in one transaction: all of them or, on any refusal, none."""
    valid = [r.payload for r in plan.valid if r.payload is not None]
    if not valid:
        raise ImportRefused("No hay renglones válidos para importar.", code="nothing_to_import")
    now, device = till.now(), till.device
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.EDIT_CATALOG)
        names = product_records.active_names(tx)
        for r in plan.valid:
            assert r.payload is not None
            twin = names.get(name_key(r.payload.name)) if r.new_name else None
            if twin is not None and twin[0] != r.payload.id:  # made since the preview
                raise ImportRefused(f"Renglón {r.row}: ya hay un producto llamado «{twin[1]}». "
                                    "Vuelve a revisar el archivo.", code="name_taken")
            if r.payload.active and (clash := product_records.barcode_owners(
                    tx, r.payload.barcodes, r.payload.id)):
                code, owner = next(iter(sorted(clash.items())))
                raise ImportRefused(f"Renglón {r.row}: el código {code} ya es de «{owner}». "
                                    "Vuelve a revisar el archivo.", code="barcode_taken")
        # One page of changes applied at once, as a pull would: thousands of rows in seconds.
        # Each names only the fields its row changes (records merge field by field), so an
        # import does not undo another till's unsynced price or cost; a row changing nothing
        # is not sent.
        named = [(p, local.named_fields(tx, "product", p, "upsert")) for p in valid]
        seq = outbox.next_seq(tx)
        changes: list[Change] = [
            make_change("product", payload, change_id=new_uuid7(), device_seq=seq + i,
                        hlc=device.clock.now(), created_at=now, op="upsert", fields=fields)
            for i, (payload, fields) in enumerate(p for p in named if p[1] != [])]
        apply_changes(tx, [(c, device.device_id) for c in changes])
        for change in changes:
            outbox.append(tx, change)
        result = ImportResult(new=plan.new_count, updated=plan.update_count)
        staff.audit(tx, till, "catalog_edit", cashier_id=cashier_id,
                    authorized_by=authorized_by,
                    detail=f"Importación: {count(result.new, 'nuevo')}, "
                           f"{count(result.updated, 'actualizado')}")
    return result


# ---- export ---------------------------------------------------------------------------------


def export_csv(till: Till, path: Path) -> int:
    """Every product (inactive ones too) to a CSV file; returns how many."""
    return _export(till, Path(path), catalog_sheets.write_csv)


def export_xlsx(till: Till, path: Path) -> int:
    """Every product (inactive ones too) to an Excel file; returns how many."""
    return _export(till, Path(path), catalog_sheets.write_xlsx)


def _export(till: Till, path: Path, write: Callable[[list[ProductPayload], Path], None]) -> int:
    with till.db.read() as tx:
        items = product_records.all_payloads(tx)
    try:
        write(items, path)
    except OSError as exc:  # e.g. the file is open in Excel: said in Spanish
        raise file_problem(exc, path, "guardar") from exc
    return len(items)
