"""Product lists as spreadsheets: reading a CSV or Excel file into text cells and knowing its
columns by their Spanish names; writing the catalog back out in the same columns.

Export writes text typed by people through :func:`safe_text` (a name like ``=HYPERLINK(…)``
opens as text in Excel); reading removes that apostrophe again, so an export re-imports as is.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from pos_client.services.catalog_admin import pct_text
from pos_client.services.files import safe_text
from shared.errors import DomainError
from shared.quantity import quantity_text
from shared.sync.payloads import ProductPayload

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
# SAT's keys come last: optional columns (a file without them imports as before).
COLUMNS = ("nombre", "codigos", "departamento", "costo", "precio", "precio_mayoreo",
           "cantidad_mayoreo", "granel", "iva", "ieps", "minimo", "activo", "clave_prod_serv",
           "clave_unidad")
_ALIASES = {
    "nombre": "nombre", "producto": "nombre", "descripcion": "nombre",
    "codigo": "codigos", "codigos": "codigos", "codigo_de_barras": "codigos",
    "codigos_de_barras": "codigos", "departamento": "departamento", "depto": "departamento",
    "categoria": "departamento", "costo": "costo", "precio": "precio", "precio_venta": "precio",
    "precio_de_venta": "precio", "precio_mayoreo": "precio_mayoreo", "mayoreo": "precio_mayoreo",
    "cantidad_mayoreo": "cantidad_mayoreo", "mayoreo_desde": "cantidad_mayoreo",
    "granel": "granel", "a_granel": "granel", "iva": "iva", "ieps": "ieps", "minimo": "minimo",
    "existencia_minima": "minimo", "stock_minimo": "minimo", "activo": "activo",
    "clave_prod_serv": "clave_prod_serv", "claveprodserv": "clave_prod_serv",
    "clave_sat": "clave_prod_serv", "clave_producto_sat": "clave_prod_serv",
    "clave_unidad": "clave_unidad", "claveunidad": "clave_unidad", "unidad_sat": "clave_unidad",
    "clave_unidad_sat": "clave_unidad",
}


class ImportRefused(DomainError):
    code = "import_refused"


def plain_key(header: str) -> str:
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


def unquoted(text: str) -> str:
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


def columns_of(header: list[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    index: dict[str, int] = {}
    ignored = []
    for i, title in enumerate(header):
        column = _ALIASES.get(plain_key(title))
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


# ---- writing --------------------------------------------------------------------------------


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
        p.sat_product_key or "", p.sat_unit_key or "",  # checked keys: digits and letters only
    ]


def write_csv(items: Sequence[ProductPayload], path: Path) -> None:
    """UTF-8 with a BOM, so Excel shows the accents right."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(export_row(p) for p in items)


def write_xlsx(items: Sequence[ProductPayload], path: Path) -> None:
    """One sheet, every cell text: Excel would turn 0750… codes into numbers."""
    from openpyxl import Workbook  # only needed when someone exports a spreadsheet

    # The file is opened first: a path Excel keeps locked fails here, before openpyxl has
    # started a sheet it would then leave half-written.
    with Path(path).open("wb") as out:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Productos")
        sheet.append(list(COLUMNS))
        for p in items:
            sheet.append(export_row(p))
        book.save(out)

